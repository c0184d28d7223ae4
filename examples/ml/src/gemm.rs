//! A block of batch rows through a dense layer as a cache-blocked GEMM, Y = relu?(X · W + b).
//!
//! Layout, BLIS-style, so the innermost loop reads two sequential streams and nothing else:
//! - W is packed once, at parse time, into panels of NR output columns, input-major
//!   (`panel[k * NR + j]`). One panel of the widest layer is 784 x 8 x 4 B = 25 KB: it stays in
//!   L1 while every MR-row tile of the block passes over it.
//! - The block's rows of X are packed into tiles of MR rows, input-major (`tile[k * MR + r]`),
//!   the missing rows of the last tile as zeros. A block of BLOCK_ROWS rows stays in L2.
//! - The micro-kernel keeps MR x NR sums in registers (MR x 2 f32x4) over all inputs: per
//!   input, two weight loads and MR broadcasts feed 2 x MR multiply-adds.
//!
//! Every output sums its inputs in order k = 0, 1, ... from zero and adds the bias last, as
//! the single-digit path (dense.rs) does with the same multiply-add (lanes.rs): the blocking
//! and the threads change which core computes a row and when, never its arithmetic.

use crate::model::Layer;

/// Rows per register tile. 4 x 2 accumulators, 2 weights and a broadcast use 11 of the 15
/// vector registers V8 hands out on x64, so nothing spills.
pub const MR: usize = 4;
/// Columns per weight panel: two f32x4. Layer widths (padded to 16) are multiples of it.
pub const NR: usize = 8;

/// W (input-major, `padded` columns) re-laid as panels of NR columns, each input-major.
pub fn pack_weights(weights: &[f32], inputs: usize, padded: usize) -> Vec<f32> {
    assert_eq!(padded % NR, 0);
    let mut panels = Vec::with_capacity(inputs * padded);
    for p in (0..padded).step_by(NR) {
        for k in 0..inputs {
            panels.extend_from_slice(&weights[k * padded + p..k * padded + p + NR]);
        }
    }
    panels
}

/// `rows` rows of `x` (each `inputs` long, `stride` apart) as MR-row tiles, input-major.
fn pack_rows(x: &[f32], stride: usize, rows: usize, inputs: usize, packed: &mut Vec<f32>) {
    packed.clear();
    // Zeros first: they stay in the missing rows of the last tile.
    packed.resize(rows.div_ceil(MR) * MR * inputs, 0.0);
    for (t, tile) in packed.chunks_exact_mut(MR * inputs).enumerate() {
        let (columns, _) = tile.as_chunks_mut::<MR>();
        for r in 0..MR.min(rows - t * MR) {
            let row = &x[(t * MR + r) * stride..][..inputs];
            for (column, &value) in columns.iter_mut().zip(row) {
                column[r] = value;
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod tile {
    use super::{MR, NR};
    use crate::lanes::{finish, load, madd, v128};
    use core::arch::wasm32::*;

    pub type Sums = [[v128; 2]; MR];

    /// MR x NR sums of `inputs` products: `a` is one packed row tile, `w` one weight panel.
    /// SAFETY: `a` holds inputs * MR floats and `w` inputs * NR.
    #[inline(always)]
    pub unsafe fn sums(mut a: *const f32, mut w: *const f32, inputs: usize) -> Sums {
        let mut acc = [[f32x4_splat(0.0); 2]; MR];
        for _ in 0..inputs {
            let (w0, w1) = (load(w), load(w.add(4)));
            for r in 0..MR {
                // load32_splat: one broadcast load (vbroadcastss on x64), not load + shuffle.
                let x = v128_load32_splat(a.add(r) as *const u32);
                acc[r][0] = madd(x, w0, acc[r][0]);
                acc[r][1] = madd(x, w1, acc[r][1]);
            }
            a = a.add(MR);
            w = w.add(NR);
        }
        acc
    }

    /// Row `r` of the tile, finished with the panel's bias, into `y` (NR floats).
    /// SAFETY: `bias` and `y` hold NR floats.
    #[inline(always)]
    pub unsafe fn store(acc: &Sums, r: usize, bias: *const f32, relu: bool, y: *mut f32) {
        v128_store(y as *mut v128, finish(acc[r][0], bias, relu));
        v128_store(y.add(4) as *mut v128, finish(acc[r][1], bias.add(4), relu));
    }
}

/// Scalar over fixed-size arrays, which LLVM vectorises for the host (the native bench).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod tile {
    use super::{MR, NR};
    use crate::lanes::finish_scalar;

    pub type Sums = [[f32; NR]; MR];

    /// SAFETY: `a` holds inputs * MR floats and `w` inputs * NR.
    #[inline(always)]
    pub unsafe fn sums(a: *const f32, w: *const f32, inputs: usize) -> Sums {
        let a = core::slice::from_raw_parts(a, inputs * MR);
        let w = core::slice::from_raw_parts(w, inputs * NR);
        let mut acc = [[0.0f32; NR]; MR];
        for (x, row) in a.chunks_exact(MR).zip(w.chunks_exact(NR)) {
            for r in 0..MR {
                for j in 0..NR {
                    acc[r][j] += x[r] * row[j];
                }
            }
        }
        acc
    }

    /// SAFETY: `bias` and `y` hold NR floats.
    #[inline(always)]
    pub unsafe fn store(acc: &Sums, r: usize, bias: *const f32, relu: bool, y: *mut f32) {
        for j in 0..NR {
            *y.add(j) = finish_scalar(acc[r][j], *bias.add(j), relu);
        }
    }
}

/// `rows` rows of x (`stride` apart) through `layer` into y (`rows` x `layer.padded`).
/// `packed` is scratch the caller keeps, so a block allocates nothing once warm.
pub fn dense_block(layer: &Layer, x: &[f32], stride: usize, rows: usize, y: &mut [f32], relu: bool, packed: &mut Vec<f32>) {
    let (inputs, padded) = (layer.inputs, layer.padded);
    assert!(rows == 0 || x.len() >= (rows - 1) * stride + inputs);
    assert!(y.len() >= rows * padded && layer.panels.len() == inputs * padded && layer.bias.len() == padded);
    pack_rows(x, stride, rows, inputs, packed);
    // Panel outside, row tiles inside: the panel is the one that stays in L1.
    for p in (0..padded).step_by(NR) {
        let panel = layer.panels[p * inputs..(p + NR) * inputs].as_ptr();
        for first in (0..rows).step_by(MR) {
            // SAFETY: the packed tile holds inputs * MR floats (pack_rows), the panel
            // inputs * NR; rows first + r < rows and columns p + NR <= padded are inside y.
            unsafe {
                let acc = tile::sums(packed.as_ptr().add(first * inputs), panel, inputs);
                for r in 0..MR.min(rows - first) {
                    tile::store(&acc, r, layer.bias.as_ptr().add(p), relu, y.as_mut_ptr().add((first + r) * padded + p));
                }
            }
        }
    }
}
