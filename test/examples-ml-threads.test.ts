// examples/ml's cache-blocked batch on threads, through load(): the package built with
// `offload build --threads` spreads a batch's blocks over rayon's threads and gives the
// one-thread package's answers. Bit for bit where both run the same SIMD variant (blocking
// and threads never change an output's order of summation); within LOGIT_TOLERANCE where one
// fuses its multiply-adds (relaxed SIMD) and the other does not; the same classes either way.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { load, type Offloaded } from '../src/runtime/index.js';
import type { DigitsModule, KernelInfo } from '../examples/ml/lib/api.js';
import { buildDigits } from '../examples/ml/lib/build.js';
import { accuracy, inputs, readTestSet, type TestSet } from '../examples/ml/lib/test-set.js';

// A fused multiply-add rounds once where mul+add rounds twice. Over the 976 products behind a
// logit that moved the scores by at most 7.6e-6 here (logits span about ±30); 1e-4 leaves
// room for other CPUs' summation of the same sums, not for a wrong weight or a lost block.
const LOGIT_TOLERANCE = 1e-4;
// Fixed, not the machine's core count, so the test checks the same thing everywhere.
const HELPERS = 2;

const info = async (api: Offloaded<DigitsModule>): Promise<KernelInfo> => JSON.parse(await api.kernelInfo()) as KernelInfo;

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function argmaxRows(scores: Float32Array): Uint32Array {
  const classes = new Uint32Array(scores.length / 10);
  for (let s = 0; s < classes.length; s++) {
    const row = scores.subarray(s * 10, s * 10 + 10);
    classes[s] = row.indexOf(Math.max(...row));
  }
  return classes;
}

describe('examples/ml: the batch on rayon threads', () => {
  let set: TestSet;
  let x: Float32Array;
  let single: Offloaded<DigitsModule>;
  let threaded: Offloaded<DigitsModule>;
  let singleLogits: Float32Array;
  let threadedDir: string;

  before(async () => {
    const [one, many] = [await buildDigits({ quiet: true }), await buildDigits({ quiet: true, threads: true })];
    single = await load<DigitsModule>(one.pkgDir, { threads: 1 });
    threadedDir = many.pkgDir;
    threaded = await load<DigitsModule>(threadedDir, { threadsPerInstance: HELPERS });
    set = readTestSet();
    x = inputs(set);
    singleLogits = await single.logitsBatch(x, set.count);
  });
  after(async () => {
    await Promise.all([single?.$close(), threaded?.$close()]);
  });

  test(`the threaded package's rayon pool has ${HELPERS} threads, the one-thread package's 1`, async () => {
    assert.equal((await info(threaded)).threads, HELPERS);
    assert.equal((await info(single)).threads, 1);
  });

  test('threaded logits of the 1000 held-out digits equal the one-thread ones', async () => {
    const threadedLogits = await threaded.logitsBatch(x, set.count);
    const [a, b] = [await info(single), await info(threaded)];
    if (a.simd === b.simd) {
      assert.deepEqual(threadedLogits, singleLogits, `both ${a.simd}: expected bit-identical logits`);
    } else {
      const diff = maxDifference(threadedLogits, singleLogits);
      assert.ok(diff <= LOGIT_TOLERANCE, `${b.simd} vs ${a.simd}: logits differ by up to ${diff}`);
    }
    assert.deepEqual(argmaxRows(threadedLogits), argmaxRows(singleLogits));
  });

  test('a batch that is not a multiple of the block or the row tile gives each digit its own answer', async () => {
    // 53 digits: one block of 48, then a tile of 4 and a tile of 1 (3 rows of zeros).
    const n = 53;
    const part = await threaded.logitsBatch(inputs(set, 100, n), n);
    assert.deepEqual(part, rows(await threaded.logitsBatch(x, set.count), 100, n));
    assert.deepEqual(await threaded.predictBatch(inputs(set, 100, n), n), argmaxRows(part));
  });

  test('each package runs the SIMD variant offload says it picked ($metrics().simdVariant)', async () => {
    for (const api of [single, threaded]) assert.equal((await info(api)).simd, api.$metrics().simdVariant);
  });

  test(`relaxed SIMD's fused multiply-adds keep the logits within ${LOGIT_TOLERANCE} of simd128's, with the same classes`, async (t) => {
    const forced = await load<DigitsModule>(threadedDir, { threadsPerInstance: HELPERS, simdVariant: 'simd128' });
    try {
      assert.equal((await info(forced)).simd, 'simd128');
      const simd128 = await forced.logitsBatch(x, set.count);
      const auto = await info(threaded);
      if (auto.simd !== 'relaxed-simd') {
        t.skip(`this engine (Node ${process.version}) has no relaxed SIMD: both run simd128`);
        return;
      }
      const relaxed = await threaded.logitsBatch(x, set.count);
      const diff = maxDifference(relaxed, simd128);
      t.diagnostic(`largest logit difference relaxed-simd vs simd128: ${diff}`);
      assert.ok(diff <= LOGIT_TOLERANCE, `logits differ by up to ${diff}`);
      assert.deepEqual(argmaxRows(relaxed), argmaxRows(simd128));
    } finally {
      await forced.$close();
    }
  });

  test('predictions and held-out accuracy are the one-thread package\'s', async () => {
    const predictions = await threaded.predictBatch(x, set.count);
    assert.deepEqual(predictions, argmaxRows(singleLogits));
    assert.equal(accuracy(predictions, set.labels), accuracy(argmaxRows(singleLogits), set.labels));
  });
});

/** Rows [start, start + n) of an n x 10 score matrix. */
function rows(all: Float32Array, start: number, n: number): Float32Array {
  return all.slice(start * 10, (start + n) * 10);
}
