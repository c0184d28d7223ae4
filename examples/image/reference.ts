// Plain JavaScript versions of the grayscale and blur kernels, written for clarity (floats,
// no tricks): the tests check the Rust kernels against them, and the benchmark times them as
// the hand-written pure-JS alternative to jimp.

/** BT.709 luma of RGBA pixels, one byte per pixel. */
export function grayscaleJs(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    out[i] = Math.round(0.2126 * rgba[p]! + 0.7152 * rgba[p + 1]! + 0.0722 * rgba[p + 2]!);
  }
  return out;
}

/** Normalised Gaussian taps for offsets -r..r, r = ceil(3 sigma), as the Rust kernel uses. */
export function gaussianTaps(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(sigma * 3));
  const taps = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = 0; i < taps.length; i++) {
    const x = i - radius;
    taps[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    total += taps[i]!;
  }
  for (let i = 0; i < taps.length; i++) taps[i]! /= total;
  return taps;
}

/** Separable Gaussian blur of RGBA pixels (alpha too), edge pixels repeated outwards. */
export function blurJs(rgba: Uint8Array, width: number, height: number, sigma: number): Uint8Array {
  const taps = gaussianTaps(sigma);
  const radius = (taps.length - 1) / 2;
  const clamp = (v: number, max: number): number => (v < 0 ? 0 : v > max ? max : v);
  const vertical = new Float32Array(rgba.length);
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < taps.length; k++) {
      const src = clamp(y + k - radius, height - 1) * width * 4;
      const w = taps[k]!;
      const dst = y * width * 4;
      for (let i = 0; i < width * 4; i++) vertical[dst + i]! += w * rgba[src + i]!;
    }
  }
  const out = new Uint8Array(rgba.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 4;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let k = 0; k < taps.length; k++) {
          sum += taps[k]! * vertical[row + clamp(x + k - radius, width - 1) * 4 + c]!;
        }
        out[row + x * 4 + c] = Math.round(sum);
      }
    }
  }
  return out;
}
