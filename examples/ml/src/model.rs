//! The network: weights parsed from the embedded `weights.bin` (written by train/train.py)
//! and the forward pass, for one sample or a batch. Pure Rust, so the native bench runs the
//! very same code.

use crate::dense::{dense_batch4, dense_single, OUT_TILE};

/// The widest layer output, so activations can live on the stack (small, because zeroing
/// the buffers is paid on every call).
const MAX_WIDTH: usize = 256;
/// The most inputs the first layer may take (it reads the caller's slice, not a buffer).
const MAX_INPUTS: usize = 1 << 16;

pub struct Layer {
    pub inputs: usize,
    pub outputs: usize,
    /// Outputs rounded up to OUT_TILE; the padding columns are zero weights and bias.
    pub padded: usize,
    /// Input-major: weights[i * padded + o].
    pub weights: Vec<f32>,
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
            layers.push(Layer { inputs, outputs, padded, weights, bias });
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

    /// Logits of four consecutive samples (`x` holds 4 * inputs values) into `logits`
    /// (4 * classes). Sharing each weight load across four samples is what makes batches
    /// faster per sample than single calls.
    pub fn logits4(&self, x: &[f32], logits: &mut [f32]) {
        let mut a = [0.0f32; 4 * MAX_WIDTH];
        let mut b = [0.0f32; 4 * MAX_WIDTH];
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            let input: &[f32] = if k == 0 { x } else { &a[..4 * layer.inputs] };
            dense_batch4(layer, input, &mut b[..4 * layer.padded], k != last);
            core::mem::swap(&mut a, &mut b);
        }
        let (classes, padded) = (self.classes(), self.layers[last].padded);
        for s in 0..4 {
            logits[s * classes..(s + 1) * classes].copy_from_slice(&a[s * padded..s * padded + classes]);
        }
    }

    /// Logits of `n` samples, row-major.
    pub fn logits_batch(&self, x: &[f32], n: usize) -> Vec<f32> {
        let (inputs, classes) = (self.inputs(), self.classes());
        let mut out = vec![0.0; n * classes];
        let whole = n / 4 * 4;
        for s in (0..whole).step_by(4) {
            self.logits4(&x[s * inputs..(s + 4) * inputs], &mut out[s * classes..(s + 4) * classes]);
        }
        for s in whole..n {
            self.logits(&x[s * inputs..(s + 1) * inputs], &mut out[s * classes..(s + 1) * classes]);
        }
        out
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
