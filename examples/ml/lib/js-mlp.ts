// The network in plain JavaScript over typed arrays: what a Node developer would write
// without offload. Same weights file and the same loop order as the Rust kernel (walk the
// inputs, add x[i] times row i to every output), which keeps memory access sequential.
import { readFileSync } from 'node:fs';
import { weightsPath } from './paths.js';

interface Layer {
  inputs: number;
  outputs: number;
  /** Input-major: weights[i * outputs + o]. */
  weights: Float32Array;
  bias: Float32Array;
}

export class JsMlp {
  readonly layers: Layer[];
  readonly inputs: number;
  readonly classes: number;
  // Scratch activations, reused across calls so a prediction allocates nothing.
  private readonly a: Float64Array;
  private readonly b: Float64Array;

  constructor(bytes: Buffer = readFileSync(weightsPath)) {
    if (bytes.subarray(0, 4).toString('latin1') !== 'DMLP' || bytes.readUInt32LE(4) !== 1) {
      throw new Error('not a version-1 DMLP weights file');
    }
    const count = bytes.readUInt32LE(8);
    let at = 12;
    // Copy out of the Buffer: its byteOffset need not be a multiple of 4.
    const floats = (n: number): Float32Array => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++, at += 4) out[i] = bytes.readFloatLE(at);
      return out;
    };
    this.layers = [];
    for (let k = 0; k < count; k++) {
      const inputs = bytes.readUInt32LE(at);
      const outputs = bytes.readUInt32LE(at + 4);
      at += 8;
      this.layers.push({ inputs, outputs, weights: floats(inputs * outputs), bias: floats(outputs) });
    }
    this.inputs = this.layers[0]!.inputs;
    this.classes = this.layers[this.layers.length - 1]!.outputs;
    const widest = Math.max(...this.layers.map((l) => l.outputs));
    this.a = new Float64Array(widest);
    this.b = new Float64Array(widest);
  }

  /** Logits of the digit at `offset` in `x` into `out` (length classes). */
  logits(x: Float32Array, offset: number, out: Float32Array | Float64Array): void {
    let input: Float32Array | Float64Array = x;
    let inputAt = offset;
    let acc = this.a;
    let spare = this.b;
    const last = this.layers.length - 1;
    for (let k = 0; k <= last; k++) {
      const { inputs, outputs, weights, bias } = this.layers[k]!;
      acc.fill(0, 0, outputs);
      for (let i = 0; i < inputs; i++) {
        const xi = input[inputAt + i]!;
        const row = i * outputs;
        for (let o = 0; o < outputs; o++) acc[o]! += xi * weights[row + o]!;
      }
      for (let o = 0; o < outputs; o++) {
        const v = acc[o]! + bias[o]!;
        acc[o] = k < last && v < 0 ? 0 : v;
      }
      input = acc;
      inputAt = 0;
      [acc, spare] = [spare, acc];
    }
    for (let o = 0; o < this.classes; o++) out[o] = input[o]!;
  }

  predict(x: Float32Array, offset = 0): number {
    const out = new Float64Array(this.classes);
    this.logits(x, offset, out);
    return argmax(out, 0, this.classes);
  }

  predictBatch(x: Float32Array, n: number): Uint32Array {
    if (x.length !== n * this.inputs) throw new RangeError(`expected ${n * this.inputs} pixels, got ${x.length}`);
    const out = new Uint32Array(n);
    const scores = new Float64Array(this.classes);
    for (let s = 0; s < n; s++) {
      this.logits(x, s * this.inputs, scores);
      out[s] = argmax(scores, 0, this.classes);
    }
    return out;
  }
}

/** First index of the largest value, the same tie rule as the Rust crate and onnxruntime. */
export function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[start + i]! > values[start + best]!) best = i;
  return best;
}

/** Class per row of an n x classes score matrix. */
export function argmaxRows(scores: ArrayLike<number>, classes: number): Uint32Array {
  const n = scores.length / classes;
  const out = new Uint32Array(n);
  for (let s = 0; s < n; s++) out[s] = argmax(scores, s * classes, classes);
  return out;
}
