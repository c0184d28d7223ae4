//! The network: weights parsed from the embedded `weights.bin` (written by train/train.py)
//! and the forward pass, for one sample or a batch. Pure Rust, so the native bench runs the
//! very same code.

use crate::dense::{dense_single, OUT_TILE};
use crate::gemm::{dense_block, pack_weights};
use rayon::prelude::*;
use std::cell::RefCell;

/// The widest layer output, so activations can live on the stack (small, because zeroing
/// the buffers is paid on every call).
const MAX_WIDTH: usize = 256;
/// The most inputs the first layer may take (it reads the caller's slice, not a buffer).
const MAX_INPUTS: usize = 1 << 16;
/// Batch rows per rayon task: a block's packed inputs (48 x 784 x 4 B = 150 KB) and its
/// activations stay in L2 while it goes through all the layers, and 1000 digits make 21
/// tasks, enough to keep every thread busy to the end. A multiple of the GEMM's row tile.
const BLOCK_ROWS: usize = 48;

pub struct Layer {
    pub inputs: usize,
    pub outputs: usize,
    /// Outputs rounded up to OUT_TILE; the padding columns are zero weights and bias.
    pub padded: usize,
    /// Input-major: weights[i * padded + o].
    pub weights: Vec<f32>,
    /// The same weights as the GEMM's column panels (gemm::pack_weights).
    pub panels: Vec<f32>,
    pub bias: Vec<f32>,
}

pub struct Mlp {
    pub layers: Vec<Layer>,
}

#[derive(Debug)]
pub struct FormatError(pub String);

fn read_u32(bytes: &[u8], at: &mut usize) -> Result<u32, FormatError> {
    let end = *at + 4;
    let chunk = bytes.get(*at..end).ok_or_else(|| FormatError("weights end early".into()))?;
    *at = end;
    Ok(u32::from_le_bytes(chunk.try_into().unwrap()))
}

fn read_f32s(bytes: &[u8], at: &mut usize, count: usize) -> Result<Vec<f32>, FormatError> {
    let end = *at + count * 4;
    let chunk = bytes.get(*at..end).ok_or_else(|| FormatError("weights end early".into()))?;
    *at = end;
    Ok(chunk.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect())
}

impl Mlp {
    pub fn parse(bytes: &[u8]) -> Result<Mlp, FormatError> {
        if bytes.get(0..4) != Some(b"DMLP") {
            return Err(FormatError("not a DMLP weights file".into()));
        }
        let mut at = 4;
        let version = read_u32(bytes, &mut at)?;
        if version != 1 {
            return Err(FormatError(format!("weights version {version} is not supported")));
        }
        let count = read_u32(bytes, &mut at)? as usize;
        let mut layers = Vec::with_capacity(count);
        for _ in 0..count {
            let inputs = read_u32(bytes, &mut at)? as usize;
            let outputs = read_u32(bytes, &mut at)? as usize;
            if inputs == 0 || outputs == 0 || inputs > MAX_INPUTS || outputs.div_ceil(OUT_TILE) * OUT_TILE > MAX_WIDTH {
                return Err(FormatError(format!("layer {inputs}x{outputs} is out of range")));
            }
            if let Some(prev) = layers.last().map(|l: &Layer| l.outputs) {
                if prev != inputs {
                    return Err(FormatError(format!("layer takes {inputs} inputs, previous gives {prev}")));
                }
            }
            let raw = read_f32s(bytes, &mut at, inputs * outputs)?;
            let raw_bias = read_f32s(bytes, &mut at, outputs)?;
            let padded = outputs.div_ceil(OUT_TILE) * OUT_TILE;
            let mut weights = vec![0.0; inputs * padded];
            for i in 0..inputs {
                weights[i * padded..i * padded + outputs].copy_from_slice(&raw[i * outputs..(i + 1) * outputs]);
            }
            let mut bias = vec![0.0; padded];
            bias[..outputs].copy_from_slice(&raw_bias);
            let panels = pack_weights(&weights, inputs, padded);
            layers.push(Layer { inputs, outputs, padded, weights, panels, bias });
        }
        if layers.is_empty() || at != bytes.len() {
            return Err(FormatError("weights file has no layers or trailing bytes".into()));
        }
        Ok(Mlp { layers })
    }

    pub fn inputs(&self) -> usize {
        self.layers[0].inputs
    }

    pub fn classes(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs
    }

    /// Logits of one sample into `logits` (length = classes).
    pub fn logits(&self, x: &[f32], logits: &mut [f32]) {
        let mut a = [0.0f32; MAX_WIDTH];
        let mut b = [0.0f32; MAX_WIDTH];
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            let input: &[f32] = if k == 0 { x } else { &a[..layer.inputs] };
            dense_single(layer, input, &mut b[..layer.padded], k != last);
            core::mem::swap(&mut a, &mut b);
        }
        logits.copy_from_slice(&a[..self.classes()]);
    }

    /// Logits of `n` samples, row-major: blocks of BLOCK_ROWS digits spread over rayon's
    /// threads (in a build without threads rayon runs them all on the calling thread).
    pub fn logits_batch(&self, x: &[f32], n: usize) -> Vec<f32> {
        let (inputs, classes) = (self.inputs(), self.classes());
        let mut out = vec![0.0; n * classes];
        out.par_chunks_mut(BLOCK_ROWS * classes)
            .zip(x[..n * inputs].par_chunks(BLOCK_ROWS * inputs))
            .for_each(|(logits, x)| self.logits_block(x, logits.len() / classes, logits));
        out
    }

    /// One block of `rows` digits through every layer, its activations in the thread's scratch.
    fn logits_block(&self, x: &[f32], rows: usize, logits: &mut [f32]) {
        thread_local! {
            // Reused across blocks and calls: no allocation (or zeroing) once warm.
            static SCRATCH: RefCell<[Vec<f32>; 3]> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
        }
        SCRATCH.with_borrow_mut(|[a, b, packed]| {
            let last = self.layers.len() - 1;
            let mut stride = self.inputs();
            for (k, layer) in self.layers.iter().enumerate() {
                if b.len() < rows * layer.padded {
                    b.resize(rows * layer.padded, 0.0);
                }
                let input: &[f32] = if k == 0 { x } else { a };
                dense_block(layer, input, stride, rows, b, k != last, packed);
                core::mem::swap(a, b);
                stride = layer.padded;
            }
            let classes = self.classes();
            for (r, out) in logits.chunks_exact_mut(classes).enumerate() {
                out.copy_from_slice(&a[r * stride..r * stride + classes]);
            }
        });
    }

    pub fn predict(&self, x: &[f32]) -> u32 {
        let mut logits = [0.0f32; MAX_WIDTH];
        let classes = self.classes();
        self.logits(x, &mut logits[..classes]);
        argmax(&logits[..classes])
    }

    pub fn predict_batch(&self, x: &[f32], n: usize) -> Vec<u32> {
        self.logits_batch(x, n).chunks_exact(self.classes()).map(argmax).collect()
    }
}

/// Index of the largest value; the first one on a tie (as numpy, onnxruntime and the JS
/// reference do), so every implementation picks the same class.
pub fn argmax(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u32
}

/// Softmax, shifted by the maximum so exp() cannot overflow.
pub fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in logits.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in logits.iter_mut() {
        *v /= sum;
    }
}
