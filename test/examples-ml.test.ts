// examples/ml as a user sees it through load(): the committed model recognises the committed
// held-out digits, gives the same answers as the pure-JS and onnxruntime-node versions of
// the same weights, and rejects malformed input with a message that says what it expected.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffloadGuestError, load, type Offloaded } from '../src/runtime/index.js';
import type { DigitsModule } from '../examples/ml/lib/api.js';
import { buildDigits } from '../examples/ml/lib/build.js';
import { JsMlp, argmaxRows } from '../examples/ml/lib/js-mlp.js';
import { ortNodeSession } from '../examples/ml/lib/ort.js';
import { accuracy, inputs, readTestSet, type TestSet } from '../examples/ml/lib/test-set.js';

// train.py measured 0.938 on these 1000 digits; the margin allows a retrain with another
// seed, not a broken kernel or mismatched weights.
const MIN_ACCURACY = 0.92;

describe('examples/ml: digit recognition', () => {
  let digits: Offloaded<DigitsModule>;
  let set: TestSet;
  let x: Float32Array;
  let wasmPredictions: Uint32Array;

  before(async () => {
    const { pkgDir } = await buildDigits({ quiet: true });
    digits = await load<DigitsModule>(pkgDir, { threads: 1 });
    set = readTestSet();
    x = inputs(set);
    wasmPredictions = await digits.predictBatch(x, set.count);
  });
  after(() => digits.$close());

  test(`held-out accuracy is at least ${MIN_ACCURACY}`, () => {
    assert.equal(set.count, 1000);
    const measured = accuracy(wasmPredictions, set.labels);
    assert.ok(measured >= MIN_ACCURACY, `accuracy ${measured} on ${set.count} held-out digits`);
  });

  test('one call per digit gives the batched answers', async () => {
    for (let s = 0; s < 40; s++) {
      assert.equal(await digits.predict(inputs(set, s, 1)), wasmPredictions[s], `digit ${s}`);
    }
  });

  test('predictions and scores match the pure-JS implementation', async () => {
    const js = new JsMlp();
    assert.deepEqual(js.predictBatch(x, set.count), wasmPredictions);
    const scores = await digits.logitsBatch(inputs(set, 0, 20), 20);
    const jsScores = new Float64Array(10);
    for (let s = 0; s < 20; s++) {
      js.logits(x, s * 784, jsScores);
      for (let c = 0; c < 10; c++) {
        assert.ok(Math.abs(scores[s * 10 + c]! - jsScores[c]!) < 1e-3, `digit ${s} class ${c}: ${scores[s * 10 + c]} vs ${jsScores[c]}`);
      }
    }
  });

  test('predictions match onnxruntime-node on the ONNX export', async () => {
    const ort = await ortNodeSession(1);
    try {
      assert.deepEqual(argmaxRows(await ort.logits(x, set.count), 10), wasmPredictions);
    } finally {
      await ort.release();
    }
  });

  test('probabilities are a distribution that peaks at the prediction', async () => {
    const p = await digits.probabilities(inputs(set, 0, 1));
    assert.equal(p.length, 10);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(p.indexOf(Math.max(...p)), wasmPredictions[0]);
  });

  test('input of the wrong length is rejected with what was expected, and the pool stays usable', async () => {
    await assert.rejects(digits.predict(new Float32Array(783)), (error: unknown) => {
      assert.ok(error instanceof OffloadGuestError);
      assert.equal(error.code, 'ERR_OFFLOAD_GUEST_ERROR');
      assert.match(error.message, /expected 1 x 784 = 784 pixels .*got 783/);
      return true;
    });
    await assert.rejects(digits.predictBatch(new Float32Array(784 * 3), 2), /expected 2 x 784 = 1568 pixels .*got 2352/);
    await assert.rejects(digits.probabilities(new Float32Array(0)), /got 0/);
    assert.equal(await digits.predict(inputs(set, 0, 1)), wasmPredictions[0]);
  });
});
