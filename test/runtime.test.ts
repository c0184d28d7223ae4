// The runtime as a caller sees it: values both ways, classes with instance affinity, inline
// mode, limits on the queue, closing, metrics, and the errors for misuse.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  OffloadBadArgumentError,
  OffloadClosedError,
  OffloadGuestError,
  OffloadInstanceLostError,
  OffloadLoadError,
  OffloadQueueFullError,
  OffloadTrapError,
  load,
  transfer,
  type Offloaded,
} from '../src/runtime/index.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';

type Basic = typeof import('./fixtures/runtime-basic/pkg/runtime_basic.js');

let basic: BuiltFixture;
before(async () => {
  basic = await buildFixture('runtime-basic');
});

for (const mode of ['pool', 'inline'] as const) {
  describe(`values cross the boundary (${mode})`, () => {
    let api: Offloaded<Basic>;
    before(async () => {
      api = await load<Basic>(basic.pkgDir, { mode, threads: 2 });
    });
    after(() => api.$close());

    test('strings, numbers, bigints and booleans', async () => {
      assert.equal(await api.say('world'), 'hello world');
      assert.equal(await api.add(2, 40), 42);
      assert.equal(await api.mul_big(2n ** 40n, 3n), 3n * 2n ** 40n);
      assert.equal(await api.negate(false), true);
      assert.equal(await api.noop(), undefined);
    });

    test('typed arrays in and out; transfer() moves the caller buffer, a plain call copies it', async () => {
      const kept = new Uint8Array([1, 2, 3, 250]);
      assert.equal(await api.sum_bytes(kept), 256);
      assert.equal(kept.byteLength, 4, 'without transfer() the caller keeps its bytes');
      const moved = new Uint8Array([1, 2, 3]);
      const reversed = await api.reverse_bytes(transfer(moved));
      assert.deepEqual([...reversed], [3, 2, 1]);
      assert.ok(reversed instanceof Uint8Array);
      if (mode === 'pool') assert.equal(moved.byteLength, 0, 'transfer() detaches the buffer instead of copying');
      const scaled = await api.scale(new Float64Array([1.5, -2]), 2);
      assert.ok(scaled instanceof Float64Array);
      assert.deepEqual([...scaled], [3, -4]);
    });

    test('plain objects and arrays through serde', async () => {
      assert.deepEqual(await api.summarize({ id: 7, items: ['tea', 'cake'], note: 'rush' }), {
        id: 7,
        count: 2,
        first: 'tea',
        tags: ['rush'],
      });
    });

    test('Err from Rust rejects with ERR_OFFLOAD_GUEST_ERROR and keeps the instance', async () => {
      assert.equal(await api.parse_port(' 8080 '), 8080);
      await assert.rejects(api.parse_port('eighty'), (error: unknown) => {
        assert.ok(error instanceof OffloadGuestError);
        assert.equal(error.code, 'ERR_OFFLOAD_GUEST_ERROR');
        assert.match(error.message, /not a port: "eighty"/);
        return true;
      });
      assert.equal(await api.parse_port('443'), 443);
    });

    test('class instances live in one instance and their methods run there', async () => {
      const counter = await api.Counter.create('hits', 10n);
      assert.equal(await counter.increment(5n), 15n);
      assert.equal(await counter.describe(), 'hits=15');
      const fork = await counter.fork('copy');
      assert.equal(await fork.describe(), 'copy=15');
      assert.equal(await counter.absorb(fork), 30n, 'objects created from one another share an instance');
      const zero = await api.Counter.zero('z');
      assert.equal(await zero.describe(), 'z=0');
      await fork.free();
      await assert.rejects(fork.describe(), (error: unknown) => {
        assert.ok(error instanceof OffloadBadArgumentError);
        assert.match(error.message, /already freed/);
        return true;
      });
      assert.equal(await counter.describe(), 'hits=30', 'freeing one object leaves the others');
      await counter.free();
      await zero.free();
    });

    test('after a trap the objects of that instance are reported lost, and new ones work', async () => {
      const doomed = await api.Counter.create('doomed', 1n);
      await assert.rejects(doomed.crash(), (error: unknown) => {
        assert.ok(error instanceof OffloadTrapError);
        assert.equal(error.kind, 'panic');
        assert.equal(error.panicMessage, 'counter doomed crashed on purpose');
        return true;
      });
      await assert.rejects(doomed.describe(), (error: unknown) => {
        assert.ok(error instanceof OffloadInstanceLostError);
        assert.equal(error.code, 'ERR_OFFLOAD_INSTANCE_LOST');
        assert.match(error.message, /Create the object again/);
        return true;
      });
      const fresh = await api.Counter.create('fresh', 2n);
      assert.equal(await fresh.describe(), 'fresh=2');
      await fresh.free();
    });

    test('arguments that cannot cross threads are refused with ERR_OFFLOAD_BAD_ARGUMENT', async () => {
      if (mode === 'inline') return; // same thread: nothing is cloned
      await assert.rejects(
        (api.summarize as (value: unknown) => Promise<unknown>)({ id: 1, items: [], callback: () => 1 }),
        (error: unknown) => error instanceof OffloadBadArgumentError && /cannot be sent to a worker thread/.test(error.message),
      );
      assert.equal(await api.add(1, 1), 2, 'the worker is still serving');
    });

    test('metrics count calls per function, with latency histograms', async () => {
      const before = api.$metrics().functions.add?.calls ?? 0;
      await Promise.all([api.add(1, 2), api.add(3, 4), api.add(5, 6)]);
      const metrics = api.$metrics();
      assert.equal(metrics.mode, mode);
      const add = metrics.functions.add;
      assert.ok(add);
      assert.equal(add.calls - before, 3);
      assert.equal(add.run.count, add.calls);
      assert.equal(add.queueWait.count, add.calls);
      assert.equal(add.run.buckets.at(-1)?.count, add.calls, 'the +Inf bucket holds every sample');
      assert.ok((metrics.functions.parse_port?.errors.ERR_OFFLOAD_GUEST_ERROR ?? 0) >= 1);
      assert.ok(metrics.utilization >= 0 && metrics.utilization <= 1);
      assert.equal(metrics.queueDepth, 0);
    });
  });
}

describe('pool behaviour', () => {
  test('objects whose handles are garbage-collected are freed in their instance', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const api = await load<Basic>(basic.pkgDir, { threads: 1 });
    try {
      const make = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) await api.Counter.create(`tmp${i}`, 0n);
      };
      await make();
      assert.equal(api.$metrics().liveObjects, 5);
      for (let i = 0; i < 50 && api.$metrics().liveObjects > 0; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(api.$metrics().liveObjects, 0);
      assert.equal(await api.add(1, 1), 2);
    } finally {
      await api.$close();
    }
  });

  test('beyond maxQueue a call is rejected at once with ERR_OFFLOAD_QUEUE_FULL', async () => {
    const api = await load<Basic>(basic.pkgDir, { threads: 1, maxQueue: 1 });
    try {
      const running = api.work(50_000_000); // occupies the only thread
      const waiting = api.add(1, 2); // fills the queue
      await assert.rejects(api.add(3, 4), (error: unknown) => {
        assert.ok(error instanceof OffloadQueueFullError);
        assert.equal(error.code, 'ERR_OFFLOAD_QUEUE_FULL');
        assert.match(error.message, /raise maxQueue/);
        return true;
      });
      assert.equal(typeof (await running), 'number');
      assert.equal(await waiting, 3);
      assert.equal(await api.add(3, 4), 7, 'once the queue drains, calls are accepted again');
    } finally {
      await api.$close();
    }
  });

  test('threads grow under load up to max, and idle ones above min are stopped', async () => {
    const api = await load<Basic>(basic.pkgDir, { threads: { min: 1, max: 2 }, idleTimeoutMs: 20 });
    try {
      await Promise.all([api.work(20_000_000), api.work(20_000_000), api.work(20_000_000)]);
      assert.equal(api.$metrics().workersStarted, 2);
      for (let i = 0; i < 200 && api.$metrics().threads > 1; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(api.$metrics().threads, 1, 'the extra thread was stopped once idle');
      assert.equal(api.$metrics().workersReplaced, 0, 'an idle stop is not a replacement');
      assert.equal(await api.add(2, 2), 4);
    } finally {
      await api.$close();
    }
  });

  test('close() finishes accepted calls, then refuses new ones with ERR_OFFLOAD_CLOSED', async () => {
    const api = await load<Basic>(basic.pkgDir, { threads: 1 });
    const accepted = [api.work(1_000_000), api.add(20, 22), api.say('late')];
    const closing = api.$close();
    await assert.rejects(api.add(1, 1), (error: unknown) => {
      assert.ok(error instanceof OffloadClosedError);
      assert.equal(error.code, 'ERR_OFFLOAD_CLOSED');
      return true;
    });
    const [, sum, greeting] = await Promise.all(accepted);
    assert.equal(sum, 42);
    assert.equal(greeting, 'hello late');
    await closing;
    assert.equal(api.$metrics().threads, 0, 'every thread is gone after close()');
  });

  test('load() reports what to fix for bad packages and bad options', async () => {
    await assert.rejects(load('/nonexistent/pkg'), (error: unknown) => {
      assert.ok(error instanceof OffloadLoadError);
      assert.equal(error.code, 'ERR_OFFLOAD_LOAD');
      assert.match(error.message, /offload build/);
      return true;
    });
    await assert.rejects(load(basic.pkgDir, { mode: 'inline', timeoutMs: 10 }), OffloadBadArgumentError);
    await assert.rejects(load(basic.pkgDir, { threads: { min: 3, max: 2 } }), /threads.min/);
    await assert.rejects(load(basic.pkgDir, { memoryLimitMb: 0.01 }), (error: unknown) =>
      error instanceof OffloadBadArgumentError && /needs .* MiB to start/.test(error.message));
  });

  test('the glue path and a file: URL load the same package', async () => {
    const byPath = await load<Basic>(basic.gluePath, { mode: 'inline' });
    const byUrl = await load<Basic>(new URL(`file://${basic.gluePath}`), { mode: 'inline' });
    assert.equal(await byPath.say('a'), await byUrl.say('a'));
    await byPath.$close();
    await byUrl.$close();
  });
});
