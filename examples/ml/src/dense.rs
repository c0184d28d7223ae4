//! Dense layers, y = relu?(x · W + b), with W stored input-major (row i holds input i's
//! weights to every output). Each output tile keeps its sums in registers while the loop
//! walks the inputs: broadcast x[i], multiply by row i of the tile, add. No horizontal sums
//! are needed, and every output accumulates in the same order (i = 0, 1, ...) in the SIMD
//! and the scalar code, single or batched, so all paths give bit-identical results (there
//! is no fused multiply-add in SIMD128, and Rust never fuses on its own).
//!
//! On wasm32 with the simd128 feature the tiles use core::arch::wasm32 f32x4 intrinsics;
//! elsewhere a scalar version over fixed-size arrays, which LLVM vectorises for the host.

use crate::model::Layer;

/// Outputs per tile: four f32x4 registers. Layer widths are padded to a multiple of it.
pub const OUT_TILE: usize = 16;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use super::OUT_TILE;
    use core::arch::wasm32::*;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> v128 {
        v128_load(p as *const v128)
    }

    #[inline(always)]
    unsafe fn finish(acc: v128, bias: *const f32, relu: bool) -> v128 {
        let v = f32x4_add(acc, load(bias));
        if relu { f32x4_max(v, f32x4_splat(0.0)) } else { v }
    }

    /// One sample: for each tile of 16 outputs, 4 accumulators over all inputs.
    pub fn single(w: &[f32], b: &[f32], inputs: usize, padded: usize, x: &[f32], y: &mut [f32], relu: bool) {
        assert!(x.len() >= inputs && w.len() >= inputs * padded && b.len() >= padded && y.len() >= padded);
        for o in (0..padded).step_by(OUT_TILE) {
            // SAFETY: the assert above bounds every index: i < inputs, o + 15 < padded.
            unsafe {
                let (mut a0, mut a1, mut a2, mut a3) = (f32x4_splat(0.0), f32x4_splat(0.0), f32x4_splat(0.0), f32x4_splat(0.0));
                let mut row = w.as_ptr().add(o);
                for i in 0..inputs {
                    let xi = v128_load32_splat(x.as_ptr().add(i) as *const u32);
                    a0 = f32x4_add(a0, f32x4_mul(xi, load(row)));
                    a1 = f32x4_add(a1, f32x4_mul(xi, load(row.add(4))));
                    a2 = f32x4_add(a2, f32x4_mul(xi, load(row.add(8))));
                    a3 = f32x4_add(a3, f32x4_mul(xi, load(row.add(12))));
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

    /// Four samples: tiles of 8 outputs x 4 samples (8 accumulators, so nothing spills on
    /// a 16-register host), each weight load shared by the four samples.
    pub fn batch4(w: &[f32], b: &[f32], inputs: usize, padded: usize, x: &[f32], y: &mut [f32], relu: bool) {
        assert!(x.len() >= 4 * inputs && w.len() >= inputs * padded && b.len() >= padded && y.len() >= 4 * padded);
        for o in (0..padded).step_by(8) {
            // SAFETY: bounded by the assert: i < inputs, s < 4, o + 7 < padded.
            unsafe {
                let z = f32x4_splat(0.0);
                let mut acc = [z; 8];
                let mut row = w.as_ptr().add(o);
                let xp = x.as_ptr();
                for i in 0..inputs {
                    let w0 = load(row);
                    let w1 = load(row.add(4));
                    // load32_splat: one broadcast load (vbroadcastss on x64), not load + shuffle.
                    let x0 = v128_load32_splat(xp.add(i) as *const u32);
                    let x1 = v128_load32_splat(xp.add(inputs + i) as *const u32);
                    let x2 = v128_load32_splat(xp.add(2 * inputs + i) as *const u32);
                    let x3 = v128_load32_splat(xp.add(3 * inputs + i) as *const u32);
                    acc[0] = f32x4_add(acc[0], f32x4_mul(x0, w0));
                    acc[1] = f32x4_add(acc[1], f32x4_mul(x0, w1));
                    acc[2] = f32x4_add(acc[2], f32x4_mul(x1, w0));
                    acc[3] = f32x4_add(acc[3], f32x4_mul(x1, w1));
                    acc[4] = f32x4_add(acc[4], f32x4_mul(x2, w0));
                    acc[5] = f32x4_add(acc[5], f32x4_mul(x2, w1));
                    acc[6] = f32x4_add(acc[6], f32x4_mul(x3, w0));
                    acc[7] = f32x4_add(acc[7], f32x4_mul(x3, w1));
                    row = row.add(padded);
                }
                let bias = b.as_ptr().add(o);
                for s in 0..4 {
                    let out = y.as_mut_ptr().add(s * padded + o) as *mut v128;
                    v128_store(out, finish(acc[2 * s], bias, relu));
                    v128_store(out.add(1), finish(acc[2 * s + 1], bias.add(4), relu));
                }
            }
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    use super::OUT_TILE;

    #[inline(always)]
    fn finish(acc: f32, bias: f32, relu: bool) -> f32 {
        let v = acc + bias;
        if relu { v.max(0.0) } else { v }
    }

    pub fn single(w: &[f32], b: &[f32], inputs: usize, padded: usize, x: &[f32], y: &mut [f32], relu: bool) {
        for o in (0..padded).step_by(OUT_TILE) {
            let mut acc = [0.0f32; OUT_TILE];
            for (row, &xi) in w.chunks_exact(padded).zip(&x[..inputs]) {
                let row: &[f32; OUT_TILE] = row[o..o + OUT_TILE].try_into().unwrap();
                for k in 0..OUT_TILE {
                    acc[k] += xi * row[k];
                }
            }
            for k in 0..OUT_TILE {
                y[o + k] = finish(acc[k], b[o + k], relu);
            }
        }
    }

    pub fn batch4(w: &[f32], b: &[f32], inputs: usize, padded: usize, x: &[f32], y: &mut [f32], relu: bool) {
        // Slices and zip instead of indexing, so the loop has no bounds checks and LLVM
        // keeps the 4 x 8 sums in vector registers.
        let (x0, rest) = x.split_at(inputs);
        let (x1, rest) = rest.split_at(inputs);
        let (x2, x3) = rest.split_at(inputs);
        for o in (0..padded).step_by(8) {
            let (mut s0, mut s1, mut s2, mut s3) = ([0.0f32; 8], [0.0f32; 8], [0.0f32; 8], [0.0f32; 8]);
            let rows = w.chunks_exact(padded).take(inputs);
            for ((((row, &a), &b1), &c), &d) in rows.zip(x0).zip(x1).zip(x2).zip(&x3[..inputs]) {
                let row: &[f32; 8] = row[o..o + 8].try_into().unwrap();
                for k in 0..8 {
                    s0[k] += a * row[k];
                    s1[k] += b1 * row[k];
                    s2[k] += c * row[k];
                    s3[k] += d * row[k];
                }
            }
            let acc = [s0, s1, s2, s3];
            for s in 0..4 {
                for k in 0..8 {
                    y[s * padded + o + k] = finish(acc[s][k], b[o + k], relu);
                }
            }
        }
    }
}

pub fn dense_single(layer: &Layer, x: &[f32], y: &mut [f32], relu: bool) {
    imp::single(&layer.weights, &layer.bias, layer.inputs, layer.padded, x, y, relu);
}

/// `x` holds four samples back to back (4 * inputs), `y` four outputs (4 * padded).
pub fn dense_batch4(layer: &Layer, x: &[f32], y: &mut [f32], relu: bool) {
    imp::batch4(&layer.weights, &layer.bias, layer.inputs, layer.padded, x, y, relu);
}
