// mode 'auto' (src/runtime/auto.ts): functions shorter than the pool's round trip move to the
// caller's thread once measured, longer ones stay in the pool, a function that slows down goes
// back, overrides win, and calls with objects or timeouts always use the pool.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffloadBadArgumentError, load, type Offloaded } from '../src/runtime/index.js';
import { buildFixture } from './helpers/build-fixture.js';

type Basic = typeof import('./fixtures/runtime-basic/pkg/runtime_basic.js');

let pkgDir: string;
before(async () => {
  pkgDir = (await buildFixture('runtime-basic')).pkgDir;
});

/** Rounds of the fixture's `work` kernel that take about `ms` on this machine. */
async function roundsFor(api: Offloaded<Basic>, ms: number): Promise<number> {
  const probe = 2_000_000;
  const started = performance.now();
  await api.work(probe);
  return Math.max(1, Math.round((probe * ms) / (performance.now() - started)));
}

describe("mode 'auto'", () => {
  let api: Offloaded<Basic>;
  before(async () => {
    api = await load<Basic>(pkgDir, { mode: 'auto', threads: 1 });
  });
  after(() => api.$close());

  test('a trivial function moves inline once measured; a slow one stays in the pool', async () => {
    assert.equal(api.$mode, 'auto');
    const slow = await roundsFor(api, 3);
    for (let i = 0; i < 20; i++) {
      assert.equal(await api.add(i, 1), i + 1);
      await api.work(slow);
    }
    const metrics = api.$metrics();
    assert.equal(metrics.mode, 'auto');
    assert.ok(metrics.roundTripMs !== undefined && metrics.roundTripMs > 0, `round trip measured: ${metrics.roundTripMs}`);
    assert.deepEqual({ add: metrics.placement?.add, work: metrics.placement?.work }, { add: 'inline', work: 'pool' });
    // Calls count in one place, wherever they ran.
    assert.equal(metrics.functions.add?.calls, 20);
  });

  test('a function that slows down goes back to the pool', async () => {
    // Its estimate still remembers the slow calls: it follows the fast ones within tens of calls.
    let calls = 0;
    while (api.$metrics().placement?.work !== 'inline' && calls < 200) {
      await api.work(0);
      calls++;
    }
    assert.equal(api.$metrics().placement?.work, 'inline', `still in the pool after ${calls} trivial calls`);
    const slow = await roundsFor(api, 3);
    for (let i = 0; i < 5; i++) await api.work(slow);
    assert.equal(api.$metrics().placement?.work, 'pool');
  });

  test('objects and calls with a timeout always run in the pool', async () => {
    const counter = await api.Counter.create('c', 1n);
    assert.equal(await counter.increment(2n), 3n);
    assert.equal(await api.$with({ timeoutMs: 5_000 }).add(1, 2), 3);
    const placement = api.$metrics().placement ?? {};
    assert.equal(placement['Counter.increment'], undefined, 'object calls are never placed');
    await counter.free();
  });
});

describe("mode 'auto' with overrides", () => {
  test('placement names where a function runs, whatever it measures', async () => {
    const api = await load<Basic>(pkgDir, { mode: 'auto', threads: 1, placement: { add: 'pool', noop: 'inline' } });
    try {
      for (let i = 0; i < 10; i++) {
        await api.add(1, 1);
        await api.noop();
      }
      const { placement, functions } = api.$metrics();
      assert.deepEqual({ add: placement?.add, noop: placement?.noop }, { add: 'pool', noop: 'inline' });
      assert.equal(functions.noop?.calls, 10);
    } finally {
      await api.$close();
    }
  });

  test('bad options are refused with a clear error', async () => {
    await assert.rejects(load(pkgDir, { placement: { add: 'inline' } }), (e: unknown) => e instanceof OffloadBadArgumentError && /only applies to mode 'auto'/.test(e.message));
    await assert.rejects(load(pkgDir, { mode: 'auto', placement: { add: 'gpu' as 'pool' } }), /placement.add must be 'inline' or 'pool'/);
    await assert.rejects(load(pkgDir, { mode: 'auto', timeoutMs: 10, placement: { add: 'inline' } }), /timeoutMs cannot be enforced/);
  });
});
