// The whole wasm-bindgen surface, kind by kind: every export of the bindgen-surface fixture
// gives through load() (pool and inline) the answer the raw glue gives on this thread.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { OffloadBadArgumentError, OffloadGuestError, OffloadQueueTimeoutError, OffloadTrapError, load, type Offloaded } from '../src/runtime/index.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';

type Surface = typeof import('./fixtures/bindgen-surface/pkg/bindgen_surface.js');

let built: BuiltFixture;
let raw: Surface;

before(async () => {
  built = await buildFixture('bindgen-surface');
  // The reference: the glue itself, on this thread, exactly as wasm-bindgen users call it.
  raw = (await import(`${pathToFileURL(built.gluePath).href}?raw-reference`)) as Surface;
  raw.initSync({ module: new WebAssembly.Module(readFileSync(built.wasmPath)) });
});

/** Each kind with arguments made afresh per call, since some calls write into them. */
const kinds: [string, () => unknown[]][] = [
  ['add_i8', () => [100, 100]],
  ['add_u8', () => [200, 100]],
  ['add_i16', () => [30000, 30000]],
  ['add_u16', () => [60000, 6000]],
  ['add_i32', () => [2 ** 31 - 1, 1]],
  ['add_u32', () => [2 ** 32 - 1, 2]],
  ['add_i64', () => [2n ** 63n - 1n, 1n]],
  ['add_u64', () => [2n ** 64n - 1n, 2n]],
  ['add_i128', () => [-(2n ** 100n), 3n]],
  ['add_u128', () => [2n ** 127n, 2n ** 126n]],
  ['add_f32', () => [0.1, 0.2]],
  ['add_f64', () => [0.1, 0.2]],
  ['negate', () => [true]],
  ['next_char', () => ['ß']],
  ['greet', () => ['wörld ✓']],
  ['shout', () => ['abc']],
  ['maybe_double', () => [21]],
  ['maybe_double', () => [undefined]],
  ['maybe_name', () => ['n']],
  ['maybe_name', () => [null]],
  ['sum_f64', () => [[1.5, 2.5, 3]]],
  ['sum_f64', () => [new Float64Array([1, 2])]],
  ['doubled', () => [[1, -2, 3]]],
  ['upper_all', () => [['a', 'bé']]],
  ['reverse_values', () => [[1, 'two', { three: [3] }, null]]],
  ['checksum', () => [new Uint8Array([1, 2, 250])]],
  ['ramp', () => [5]],
  ['array_len', () => [[1, 'x', {}]]],
  ['make_array', () => [4]],
  ['next_day', () => [new Date(Date.UTC(2024, 1, 28))]],
  ['map_size', () => [new Map<unknown, unknown>([['a', 1], [2, 'b']])]],
  ['map_doubled', () => [new Map([['a', 1], ['b', 2.5]])]],
  ['scale_shape', () => [{ name: 's', points: [{ x: 1, y: 2 }, { x: -1, y: 0.5 }], meta: { tags: ['a'], weight: 3 } }, 2]],
  ['scale_shape', () => [{ name: 'bare', points: [], meta: null }, 3]],
  ['next_color', () => [5]],
  ['fruit_len', () => ['banana']],
  ['other_fruit', () => ['apple']],
  ['later_double', () => [21, 20]],
];

/** Calls that fail the same way: a Rust Err, from sync and async exports. */
const failures: [string, () => unknown[]][] = [
  ['parse_u32', () => ['x1']],
  ['checked_div', () => [1, 0]],
  ['later_fail', () => [5]],
  ['scale_shape', () => [{ name: 1 }, 2]],
];

async function rawCall(name: string, args: unknown[]): Promise<unknown> {
  return (raw as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
}

for (const mode of ['pool', 'inline'] as const) {
  describe(`every kind gives the raw glue's answer (${mode})`, () => {
    let api: Offloaded<Surface>;
    let fns: Record<string, (...a: unknown[]) => Promise<unknown>>;
    before(async () => {
      api = await load<Surface>(built.pkgDir, { mode, threads: 2 });
      fns = api as unknown as typeof fns;
    });
    after(() => api.$close());

    for (const [name, args] of kinds) {
      test(`${name}(${args().map((a) => typeof a).join(', ')})`, async () => {
        const expected = await rawCall(name, args());
        assert.deepEqual(await fns[name]!(...args()), expected);
      });
    }

    for (const [name, args] of failures) {
      test(`${name} fails as the glue fails: ERR_OFFLOAD_GUEST_ERROR with its message`, async () => {
        const expected = await rawCall(name, args()).then(
          () => assert.fail('the raw glue was expected to throw'),
          (error: unknown) => String((error as Error).message ?? error),
        );
        await assert.rejects(fns[name]!(...args()), (error: unknown) => {
          assert.ok(error instanceof OffloadGuestError, String(error));
          assert.ok(error.message.includes(expected), `${error.message} should include ${expected}`);
          return true;
        });
      });
    }

    test('&mut [T]: the caller\'s arrays hold what the guest wrote, read-only ones are untouched', async () => {
      const bytes = new Uint8Array(5);
      assert.equal(await api.fill_u8(bytes, 7), undefined);
      assert.deepEqual([...bytes], [7, 7, 7, 7, 7]);
      const floats = new Float32Array([1, -2.5, 4]);
      assert.equal(await api.scale_f32(floats, 2), 3);
      assert.deepEqual([...floats], [2, -5, 8]);
      // A view into a larger buffer: only its own bytes change.
      const backing = new Int32Array([9, 1, -2, 9]);
      const first = new Uint8Array([1, 2]);
      assert.equal(await api.mark_second(first, backing.subarray(1, 3)), 2);
      assert.deepEqual([...backing], [9, -1, 2, 9]);
      assert.deepEqual([...first], [1, 2]);
    });

    test('enums: the glue\'s own values on the proxy, as arguments and results', async () => {
      assert.deepEqual(api.Color, raw.Color);
      assert.ok(Object.isFrozen(api.Color));
      assert.equal(api.Color.Green, 5);
      assert.equal(await api.next_color(api.Color.Red), api.Color.Green);
      assert.equal(await api.next_color(api.Color.Blue), raw.next_color(raw.Color.Blue));
    });

    test('structs: constructor, methods, statics, getters, setters, pub fields, handles as arguments and results', async () => {
      const reference = new raw.Counter(2);
      const counter = await api.Counter.create(2);
      assert.equal(await counter.increment(), reference.increment());
      assert.equal(await counter.count, reference.count);
      assert.equal(await counter.step, reference.step);
      await counter.$set('count', 10);
      reference.count = 10;
      await counter.$set('step', 5);
      reference.step = 5;
      assert.equal(await counter.increment(), reference.increment());
      assert.equal(await counter.doubled, reference.doubled);
      assert.equal(await counter.label, reference.label);
      const labelled = await api.Counter.with_label('mine');
      assert.equal(await labelled.label, 'mine');
      const twin = await counter.twin();
      assert.equal(await twin.label, 'counter twin');
      assert.equal(await api.total(counter, twin), 30);
      const made = await api.make_counter(3);
      assert.equal(await made.increment(), 3);
      assert.equal(await counter.add_from(made), 18);
      assert.equal(await counter.absorb(made), 21);
      // absorb took `made` by value: the glue consumed it, and so does the handle.
      await assert.rejects(made.increment(), (e: unknown) => e instanceof Error && /null pointer|freed|no longer/i.test(e.message));
      await assert.rejects(
        (counter as unknown as { $set(p: string, v: unknown): Promise<void> }).$set('doubled', 1),
        (e: unknown) => e instanceof OffloadBadArgumentError && /cannot be set/.test(e.message),
      );
      await twin.free();
      await assert.rejects(twin.increment(), OffloadBadArgumentError);
      reference.free();
    });

    test('handles made by concurrent calls can meet in one call', async () => {
      const [a, b, c] = await Promise.all([api.Counter.create(1), api.Counter.create(2), api.make_counter(4)]);
      await Promise.all([a.increment(), b.increment(), c.increment(), api.add_i32(1, 2)]);
      assert.equal(await api.total(a, b), 3);
      assert.equal(await a.add_from(c), 5);
    });

    test("wasm-bindgen's internals are not on the proxy or its handles", async () => {
      const api_ = api as unknown as Record<string, unknown>;
      assert.equal(api_.start, undefined, 'the #[wasm_bindgen(start)] function is not callable again');
      assert.ok(!Object.keys(api).some((k) => k.startsWith('__')));
      const counter = await api.Counter.create(1);
      const handle = counter as unknown as Record<string, unknown>;
      for (const internal of ['__destroy_into_raw', '__wbg_ptr', '__wrap']) assert.equal(handle[internal], undefined, internal);
      const statics = api.Counter as unknown as Record<string, unknown>;
      assert.equal(statics.__wrap, undefined);
    });

    test('an async export awaits on the instance while its event loop turns', async () => {
      const started = Date.now();
      const results = await Promise.all([api.later_double(1, 30), api.later_double(2, 30), api.add_i32(1, 1)]);
      assert.deepEqual(results, [2, 4, 2]);
      assert.ok(Date.now() - started >= 25);
    });

    test('callbacks: a JS function argument runs on the calling thread with copied arguments', async () => {
      const seen: unknown[] = [];
      const result = await api.map_with([1, 2, 3], (x: number) => {
        seen.push(x);
        return x * 10;
      });
      assert.deepEqual([...result], [10, 20, 30]);
      assert.deepEqual(seen, [1, 2, 3]);
      await assert.rejects(api.map_with([1], () => {
        throw new Error('nope');
      }), (e: unknown) => e instanceof OffloadGuestError && /nope/.test(e.message));
    });
  });
}

describe('pool-only edges', () => {
  let api: Offloaded<Surface>;
  before(async () => {
    api = await load<Surface>(built.pkgDir, { threads: 1 });
  });
  after(() => api.$close());

  test('a callback argument that cannot be copied to the calling thread is a clear error', async () => {
    await assert.rejects(api.call_with_callable(() => 1), (e: unknown) => {
      assert.ok(e instanceof OffloadGuestError, String(e));
      assert.match(e.message, /callback's arguments cannot be sent to the calling thread/);
      return true;
    });
    assert.equal(await api.add_i32(2, 3), 5);
  });

  test('a callback that returns a Promise, or something that cannot be copied back, is a clear error', async () => {
    await assert.rejects(api.map_with([1], async (x: number) => x), (e: unknown) => {
      assert.ok(e instanceof OffloadGuestError, String(e));
      assert.match(e.message, /returned a Promise; in pool mode a guest waits for callbacks synchronously/);
      return true;
    });
    await assert.rejects(api.map_with([1], () => () => 1), (e: unknown) => {
      assert.ok(e instanceof OffloadGuestError, String(e));
      assert.match(e.message, /the callback's result cannot be sent to the worker/);
      return true;
    });
    assert.deepEqual([...(await api.map_with([2], (x: number) => x + 1))], [3]);
  });

  test('a panic inside an async export is a trap with its message, and the next call runs', async () => {
    await assert.rejects(api.later_panic(5), (e: unknown) => {
      assert.ok(e instanceof OffloadTrapError, String(e));
      assert.equal(e.panicMessage, 'panicked later');
      return true;
    });
    assert.equal(await api.later_double(4, 1), 8);
  });
});

describe('queueTimeoutMs', () => {
  let api: Offloaded<Surface>;
  before(async () => {
    api = await load<Surface>(built.pkgDir, { threads: 1, queueTimeoutMs: 50 });
  });
  after(() => api.$close());

  test('calls that wait longer than queueTimeoutMs for a thread fail with ERR_OFFLOAD_QUEUE_TIMEOUT; the running one finishes', async () => {
    const running = api.later_double(1, 300); // holds the only thread for 300 ms
    const handedAhead = api.add_i32(1, 1);
    const queued = api.add_i32(2, 2);
    for (const waiting of [handedAhead, queued]) {
      await assert.rejects(waiting, (error: unknown) => {
        assert.ok(error instanceof OffloadQueueTimeoutError, String(error));
        assert.equal(error.code, 'ERR_OFFLOAD_QUEUE_TIMEOUT');
        assert.equal(error.queueTimeoutMs, 50);
        return true;
      });
    }
    assert.equal(await running, 2);
    assert.equal(await api.add_i32(3, 4), 7);
    assert.equal(await api.$with({ queueTimeoutMs: 5_000 }).add_i32(1, 2), 3);
    assert.equal(api.$metrics().queueDepth, 0);
  });
});
