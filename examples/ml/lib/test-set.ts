// Reads the held-out digits that train/train.py wrote (model/test-set.bin.gz): b"DTST",
// u32 count, rows, cols (little-endian), then count labels and count*rows*cols pixels, u8.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { testSetPath } from './paths.js';

export interface TestSet {
  count: number;
  /** Pixels per digit (rows * cols). */
  size: number;
  labels: Uint8Array;
  /** count * size grey levels 0-255, digit after digit. */
  pixels: Uint8Array;
}

export function readTestSet(path = testSetPath): TestSet {
  const bytes = gunzipSync(readFileSync(path));
  if (bytes.subarray(0, 4).toString('latin1') !== 'DTST') throw new Error(`${path} is not a DTST test set`);
  const count = bytes.readUInt32LE(4);
  const size = bytes.readUInt32LE(8) * bytes.readUInt32LE(12);
  const labelsAt = 16;
  const pixelsAt = labelsAt + count;
  if (bytes.length !== pixelsAt + count * size) throw new Error(`${path} has ${bytes.length} bytes, expected ${pixelsAt + count * size}`);
  return {
    count,
    size,
    labels: new Uint8Array(bytes.buffer, bytes.byteOffset + labelsAt, count),
    pixels: new Uint8Array(bytes.buffer, bytes.byteOffset + pixelsAt, count * size),
  };
}

/** Model inputs for digits [start, start + n): pixel / 255, as the network was trained. */
export function inputs(set: TestSet, start = 0, n = set.count - start): Float32Array {
  if (start < 0 || n < 0 || start + n > set.count) throw new RangeError(`digits ${start}..${start + n} are outside 0..${set.count}`);
  const out = new Float32Array(n * set.size);
  const from = set.pixels.subarray(start * set.size, (start + n) * set.size);
  for (let i = 0; i < out.length; i++) out[i] = from[i]! / 255;
  return out;
}

export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[i]) right++;
  return right / predictions.length;
}
