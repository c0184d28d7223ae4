// The package's exports as offload's proxy sees them. Written out here (it mirrors
// pkg/digits.d.ts) so the TypeScript type-checks before the crate has been built.
export interface DigitsModule {
  /** The class (0-9) of one 28x28 digit, pixels scaled to [0, 1]. */
  predict(pixels: Float32Array): number;
  /** The classes of `n` digits given back to back. */
  predictBatch(pixels: Float32Array, n: number): Uint32Array;
  /** Softmax over the 10 classes for one digit. */
  probabilities(pixels: Float32Array): Float32Array;
  /** Raw scores of `n` digits, n x 10 row-major. */
  logitsBatch(pixels: Float32Array, n: number): Float32Array;
  /** {"inputs":784,"layers":[128,64,10],"parameters":...} */
  modelInfo(): string;
  /** {"simd":"relaxed-simd"|"simd128"|"scalar","threads":N}: the module's arithmetic and rayon's pool size. */
  kernelInfo(): string;
}

export interface KernelInfo {
  simd: 'relaxed-simd' | 'simd128' | 'scalar';
  threads: number;
}
