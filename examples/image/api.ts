// The image package's exported functions, typed by hand so TypeScript can check callers
// before pkg/ exists (pkg/ is built, not committed). Must match src/lib.rs.
import { fileURLToPath } from 'node:url';

export interface ImageKernels {
  /** A JPEG thumbnail of a JPEG or PNG: longer side `maxSide` (never enlarged), Lanczos3. */
  thumbnail(bytes: Uint8Array, maxSide: number, quality: number): Uint8Array;
  /** [width, height] from the file's header. */
  dimensions(bytes: Uint8Array): Uint32Array;
  /** RGBA pixels of a JPEG or PNG. */
  decode(bytes: Uint8Array): Uint8Array;
  /** One luma byte per RGBA pixel (BT.709 weights). */
  grayscale(rgba: Uint8Array, width: number, height: number): Uint8Array;
  /** Gaussian blur of RGBA pixels, standard deviation `sigma`, edges clamped. */
  blur(rgba: Uint8Array, width: number, height: number, sigma: number): Uint8Array;
  /** Threads the blur's rows are spread over: rayon's pool in pkg-threads/, 1 in pkg/. */
  blur_threads(): number;
}

export const crateDir = fileURLToPath(new URL('./', import.meta.url));
export const pkgDir = fileURLToPath(new URL('./pkg/', import.meta.url));
/** `offload build --threads --out-dir pkg-threads`: same exports, blur rows on rayon threads. */
export const threadsPkgDir = fileURLToPath(new URL('./pkg-threads/', import.meta.url));
export const dataDir = fileURLToPath(new URL('./data/', import.meta.url));
