//! One sample through a dense layer, y = relu?(x · W + b), with W stored input-major (row i
//! holds input i's weights to every output). Each output tile keeps its sums in registers
//! while the loop walks the inputs: broadcast x[i], multiply-add row i of the tile. No
//! horizontal sums are needed, and every output accumulates in the same order (i = 0, 1,
//! ...) as in the batched GEMM (gemm.rs), with the same multiply-add (lanes.rs), so a digit
//! gets bit-identical scores alone or in a batch.

use crate::lanes;
use crate::model::Layer;

/// Outputs per tile: four f32x4 registers. Layer widths are padded to a multiple of it.
pub const OUT_TILE: usize = 16;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn single(w: &[f32], b: &[f32], inputs: usize, padded: usize, x: &[f32], y: &mut [f32], relu: bool) {
    use core::arch::wasm32::*;
    use lanes::{finish, load, madd};
    assert!(x.len() >= inputs && w.len() >= inputs * padded && b.len() >= padded && y.len() >= padded);
    for o in (0..padded).step_by(OUT_TILE) {
        // SAFETY: the assert above bounds every index: i < inputs, o + 15 < padded.
        unsafe {
            let (mut a0, mut a1, mut a2, mut a3) = (f32x4_splat(0.0), f32x4_splat(0.0), f32x4_splat(0.0), f32x4_splat(0.0));
            let mut row = w.as_ptr().add(o);
            for i in 0..inputs {
                let xi = v128_load32_splat(x.as_ptr().add(i) as *const u32);
                a0 = madd(xi, load(row), a0);
                a1 = madd(xi, load(row.add(4)), a1);
                a2 = madd(xi, load(row.add(8)), a2);
                a3 = madd(xi, load(row.add(12)), a3);
                row = row.add(padded);
            }
            let out = y.as_mut_ptr().add(o) as *mut v128;
            let bias = b.as_ptr().add(o);
            v128_store(out, finish(a0, bias, relu));
            v128_store(out.add(1), finish(a1, bias.add(4), relu));
            v128_store(out.add(2), finish(a2, bias.add(8), relu));
            v128_store(out.add(3), finish(a3, bias.add(12), relu));
        }
    }
}

/// Scalar over fixed-size arrays, which LLVM vectorises for the host.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn single(w: &[f32], b: &[f32], inputs: usize, padded: usize, x: &[f32], y: &mut [f32], relu: bool) {
    for o in (0..padded).step_by(OUT_TILE) {
        let mut acc = [0.0f32; OUT_TILE];
        for (row, &xi) in w.chunks_exact(padded).zip(&x[..inputs]) {
            let row: &[f32; OUT_TILE] = row[o..o + OUT_TILE].try_into().unwrap();
            for k in 0..OUT_TILE {
                acc[k] += xi * row[k];
            }
        }
        for k in 0..OUT_TILE {
            y[o + k] = lanes::finish_scalar(acc[k], b[o + k], relu);
        }
    }
}

pub fn dense_single(layer: &Layer, x: &[f32], y: &mut [f32], relu: bool) {
    single(&layer.weights, &layer.bias, layer.inputs, layer.padded, x, y, relu);
}
