// Grayscale and Gaussian blur on RGBA pixels, in integer arithmetic laid out as plain loops
// over contiguous slices so LLVM vectorises them (SIMD128 in wasm, SSE/AVX natively).
use crate::error::{fail, KernelError};
use rayon::prelude::*;

fn check_rgba(rgba: &[u8], width: u32, height: u32) -> Result<usize, KernelError> {
    let pixels = width as usize * height as usize;
    if width == 0 || height == 0 {
        return fail(format!("width and height must be at least 1, got {width}x{height}"));
    }
    if rgba.len() != pixels * 4 {
        return fail(format!(
            "expected {width}x{height} RGBA pixels ({} bytes), got {} bytes",
            pixels * 4,
            rgba.len()
        ));
    }
    Ok(pixels)
}

// Luma weights (BT.709 on the stored sRGB values, as jimp does) scaled by 2^16; they add up
// to exactly 65536 so white stays 255.
const GRAY_R: u32 = 13933;
const GRAY_G: u32 = 46871;
const GRAY_B: u32 = 4732;

/// Luma, one byte per pixel.
pub fn grayscale(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, KernelError> {
    let pixels = check_rgba(rgba, width, height)?;
    let mut out = vec![0u8; pixels];
    let done = grayscale_simd(rgba, &mut out);
    for (o, p) in out[done..].iter_mut().zip(rgba[done * 4..].chunks_exact(4)) {
        *o = ((GRAY_R * p[0] as u32 + GRAY_G * p[1] as u32 + GRAY_B * p[2] as u32 + 32768) >> 16) as u8;
    }
    Ok(out)
}

/// 16 pixels at a time with SIMD128, in exactly the scalar loop's integer arithmetic (so the
/// output is identical); returns how many pixels it did. LLVM does not vectorise the RGBA
/// de-interleave for wasm by itself, while natively it does (with AVX2 on this CPU).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn grayscale_simd(rgba: &[u8], out: &mut [u8]) -> usize {
    use core::arch::wasm32::*;
    let blocks = out.len() / 16;
    let byte = u32x4_splat(0xFF);
    let (wr, wg, wb, half) = (u32x4_splat(GRAY_R), u32x4_splat(GRAY_G), u32x4_splat(GRAY_B), u32x4_splat(32768));
    for (block, src) in rgba.chunks_exact(64).take(blocks).enumerate() {
        let mut luma = [u32x4_splat(0); 4];
        for (k, lane) in luma.iter_mut().enumerate() {
            // SAFETY: `src` is 64 bytes long, so bytes k*16..k*16+16 are in bounds; wasm
            // loads need no alignment.
            let v = unsafe { v128_load(src.as_ptr().add(k * 16) as *const v128) };
            let r = v128_and(v, byte);
            let g = v128_and(u32x4_shr(v, 8), byte);
            let b = v128_and(u32x4_shr(v, 16), byte);
            let sum = i32x4_add(i32x4_add(i32x4_mul(r, wr), i32x4_mul(g, wg)), i32x4_add(i32x4_mul(b, wb), half));
            *lane = u32x4_shr(sum, 16);
        }
        // Every lane is at most 255, so the saturating narrowings are exact.
        let bytes = u8x16_narrow_i16x8(u16x8_narrow_i32x4(luma[0], luma[1]), u16x8_narrow_i32x4(luma[2], luma[3]));
        // SAFETY: block < out.len() / 16, so out[block*16..block*16+16] is in bounds.
        unsafe { v128_store(out.as_mut_ptr().add(block * 16) as *mut v128, bytes) };
    }
    blocks * 16
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn grayscale_simd(_rgba: &[u8], _out: &mut [u8]) -> usize {
    0
}

const SHIFT: u32 = 16;

/// Gaussian weights for taps -r..=r, scaled to add up to exactly 2^SHIFT (flat stays flat).
fn gaussian_weights(sigma: f32) -> Vec<u32> {
    let radius = (sigma * 3.0).ceil().max(1.0) as usize;
    let raw: Vec<f64> = (0..=2 * radius)
        .map(|i| {
            let x = i as f64 - radius as f64;
            (-(x * x) / (2.0 * sigma as f64 * sigma as f64)).exp()
        })
        .collect();
    let total: f64 = raw.iter().sum();
    let mut weights: Vec<u32> = raw.iter().map(|w| (w / total * (1u64 << SHIFT) as f64).round() as u32).collect();
    let sum: i64 = weights.iter().map(|&w| w as i64).sum();
    weights[radius] = (weights[radius] as i64 + (1i64 << SHIFT) - sum) as u32;
    weights
}

/// out[i] = Σ_k weights[k] * rows[k][i], with the symmetric taps added first so there is
/// one multiply per pair. Every slice has out.len() elements, so bounds checks vanish.
fn convolve(rows: &[&[u8]], weights: &[u32], acc: &mut [u32], out: &mut [u8]) {
    let n = out.len();
    let radius = weights.len() / 2;
    let acc = &mut acc[..n];
    let centre = &rows[radius][..n];
    let wc = weights[radius];
    for (a, &c) in acc.iter_mut().zip(centre) {
        *a = (1 << (SHIFT - 1)) + wc * c as u32;
    }
    for k in 0..radius {
        let (lo, hi) = (&rows[k][..n], &rows[weights.len() - 1 - k][..n]);
        let w = weights[k];
        for ((a, &x), &y) in acc.iter_mut().zip(lo).zip(hi) {
            *a += w * (x as u16 + y as u16) as u32;
        }
    }
    for (o, &a) in out.iter_mut().zip(acc.iter()) {
        *o = (a >> SHIFT) as u8;
    }
}

/// Separable Gaussian blur of RGBA pixels (alpha blurred too), edges clamped.
///
/// Each output row is its vertical pass (a weighted sum of whole input rows) followed at once
/// by its horizontal pass, while the row is still in cache; no whole-image intermediate. Rows
/// are handed to rayon: a row's bytes depend only on the input and the weights, never on which
/// thread computes it, so the output is the same byte for byte on one thread (plain wasm) and
/// on many (natively, or `offload build --threads`). Each rayon job keeps its own scratch
/// buffers (`for_each_init`).
pub fn blur(rgba: &[u8], width: u32, height: u32, sigma: f32) -> Result<Vec<u8>, KernelError> {
    check_rgba(rgba, width, height)?;
    if !(sigma > 0.0 && sigma <= 200.0) {
        return fail(format!("sigma must be above 0 and at most 200, got {sigma}"));
    }
    let weights = gaussian_weights(sigma);
    let radius = weights.len() / 2;
    let (w, h) = (width as usize, height as usize);
    let stride = w * 4;
    let mut out = vec![0u8; rgba.len()];
    out.par_chunks_mut(stride).enumerate().for_each_init(
        || RowScratch::new(stride, radius, weights.len()),
        |scratch, (y, out_row)| {
            let RowScratch { acc, rows, vertical, padded } = scratch;
            rows.clear();
            for k in 0..weights.len() {
                let sy = (y + k).saturating_sub(radius).min(h - 1);
                rows.push(&rgba[sy * stride..(sy + 1) * stride]);
            }
            convolve(rows, &weights, acc, vertical);

            // Horizontal: pad the row with its edge pixels, then the taps are shifted slices.
            let (first, last) = (&vertical[..4], &vertical[stride - 4..]);
            for i in 0..radius {
                padded[i * 4..i * 4 + 4].copy_from_slice(first);
                padded[(radius + w + i) * 4..(radius + w + i) * 4 + 4].copy_from_slice(last);
            }
            padded[radius * 4..(radius + w) * 4].copy_from_slice(vertical);
            // A few pointers per row; the allocation is noise next to the row's arithmetic.
            let taps: Vec<&[u8]> = (0..weights.len()).map(|k| &padded[k * 4..k * 4 + stride]).collect();
            convolve(&taps, &weights, acc, out_row);
        },
    );
    Ok(out)
}

/// One rayon job's buffers for `blur`, reused from row to row.
struct RowScratch<'a> {
    acc: Vec<u32>,
    /// The vertical pass's taps: input rows.
    rows: Vec<&'a [u8]>,
    vertical: Vec<u8>,
    padded: Vec<u8>,
}

impl RowScratch<'_> {
    fn new(stride: usize, radius: usize, taps: usize) -> Self {
        let padded = vec![0u8; stride + 2 * radius * 4];
        RowScratch { acc: vec![0; stride], rows: Vec::with_capacity(taps), vertical: vec![0; stride], padded }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one() {
        for sigma in [0.3f32, 1.0, 2.5, 10.0] {
            assert_eq!(gaussian_weights(sigma).iter().sum::<u32>(), 1 << SHIFT);
        }
    }

    #[test]
    fn flat_image_stays_flat() {
        let img = vec![200u8; 7 * 5 * 4];
        assert_eq!(blur(&img, 7, 5, 2.0).unwrap(), img);
    }

    #[test]
    fn grayscale_of_white_is_white() {
        assert_eq!(grayscale(&[255; 8], 2, 1).unwrap(), vec![255, 255]);
    }
}
