// Inline mode's short call path: a call claims the panic lines written while it runs without
// a listener of its own, answers without a Promise per layer, and sizes primitive results
// without walking them. These are the edges of that path a user would notice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffloadResultTooLargeError, OffloadTrapError, load, type Offloaded } from '../src/runtime/index.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';

type Surface = typeof import('./fixtures/bindgen-surface/pkg/bindgen_surface.js');

const FAKE_PANIC = 'panicked at src/elsewhere.rs:1:1:\nnot from a call';

let built: BuiltFixture;
before(async () => {
  built = await buildFixture('bindgen-surface');
});

describe('inline calls', () => {
  let api: Offloaded<Surface>;
  before(async () => {
    api = await load<Surface>(built.pkgDir, { mode: 'inline' });
  });
  after(() => api.$close());

  test('claim only the panic lines written while they run, also after a trap and a nested call', async () => {
    const original = console.error;
    const printed: string[] = [];
    console.error = (...parts: unknown[]) => void printed.push(parts.map(String).join(' '));
    try {
      assert.equal(await api.add_i32(1, 2), 3); // the tap now wraps the spy
      console.error(FAKE_PANIC);
      assert.deepEqual(printed, [FAKE_PANIC], 'a panic line outside any call is printed');

      await assert.rejects(api.boom('claimed'), (e: unknown) => e instanceof OffloadTrapError && e.panicMessage === 'claimed');
      assert.ok(!printed.some((line) => line.includes('claimed')), 'the call took its panic line');

      // A callback that calls the package again runs a call inside a call, on this thread.
      const inner: Promise<number>[] = [];
      const outer = await api.map_with([1, 2], (x: number) => {
        inner.push(api.add_i32(x, 10));
        return x * 2;
      });
      assert.deepEqual([...outer], [2, 4]);
      assert.deepEqual(await Promise.all(inner), [11, 12]);

      console.error(FAKE_PANIC);
      assert.deepEqual(printed, [FAKE_PANIC, FAKE_PANIC], 'no call is left claiming lines');
    } finally {
      console.error = original;
    }
  });

  test('after a trap, calls made at once wait for the fresh instance, and every wait is counted', async () => {
    const before = api.$metrics();
    const trapped = api.boom('again');
    const waiting = [api.add_i32(2, 2), api.later_double(4, 1)];
    await assert.rejects(trapped, (e: unknown) => e instanceof OffloadTrapError && e.panicMessage === 'again');
    assert.deepEqual(await Promise.all(waiting), [4, 8]);
    const metrics = api.$metrics();
    assert.equal(metrics.workersReplaced, before.workersReplaced + 1);
    assert.equal(metrics.functions.boom?.errors.ERR_OFFLOAD_TRAP, (before.functions.boom?.errors.ERR_OFFLOAD_TRAP ?? 0) + 1);
    const add = metrics.functions.add_i32;
    assert.ok(add);
    assert.equal(add.queueWait.count, add.calls);
    assert.equal(add.run.count, add.calls);
  });
});

describe('inline results above maxResultMb', () => {
  let api: Offloaded<Surface>;
  before(async () => {
    api = await load<Surface>(built.pkgDir, { mode: 'inline', maxResultMb: 16 / 2 ** 20 }); // 16 bytes
  });
  after(() => api.$close());

  test('a string result is measured too, not only objects', async () => {
    assert.equal(await api.greet('World'), 'hello World');
    assert.equal(await api.add_i32(2, 3), 5);
    await assert.rejects(api.greet('a much longer name'), (e: unknown) => {
      assert.ok(e instanceof OffloadResultTooLargeError, String(e));
      assert.equal(e.sizeBytes, 'hello a much longer name'.length);
      return true;
    });
    assert.equal(api.$metrics().functions.greet?.errors.ERR_OFFLOAD_RESULT_TOO_LARGE, 1);
  });
});
