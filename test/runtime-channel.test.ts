// The pool's shared-memory channel (channel-layout.ts) and each of its fallbacks: values that
// have no slot form or do not fit one go by structured clone, big typed arrays through the
// thread's bulk area (one call at a time; the rest by clone), answers too big for a slot over the
// port, the ring wrapping round under 1000 calls in flight, and threads that die or trap with
// calls already written behind the running one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SLOT_BYTES, SLOTS } from '../src/runtime/channel-layout.js';
import { OffloadBadArgumentError, OffloadTrapError, OffloadWorkerCrashedError, load, transfer, type Offloaded } from '../src/runtime/index.js';
import { buildFixture } from './helpers/build-fixture.js';

type Basic = typeof import('./fixtures/runtime-basic/pkg/runtime_basic.js');
type Faults = typeof import('./fixtures/runtime-faults/pkg/runtime_faults.js');

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
const sum = (data: Uint8Array): number => data.reduce((a, b) => a + b, 0);

describe('the shared-memory channel', () => {
  let api: Offloaded<Basic>;
  before(async () => {
    api = await load<Basic>((await buildFixture('runtime-basic')).pkgDir, { threads: 1 });
  });
  after(() => api.$close());

  test('arguments without a slot form, or too big for one, go by structured clone', async () => {
    const long = 'x'.repeat(SLOT_BYTES * 2);
    assert.equal(await api.say(long), `hello ${long}`);
    assert.deepEqual(await api.summarize({ id: 3, items: ['a', 'b'], note: 'n' }), { id: 3, count: 2, first: 'a', tags: ['n'] });
    assert.equal(await api.say('é ☃ 𝄞'), 'hello é ☃ 𝄞', 'UTF-16 surrogates survive the slot');
  });

  test('an argument that cannot be cloned at all is refused, and the ring stays in step', async () => {
    await assert.rejects((api.summarize as (value: unknown) => Promise<unknown>)({ id: 1, items: [], hook: () => 1 }), OffloadBadArgumentError);
    assert.equal(await api.add(20, 22), 42);
    assert.equal(await api.say('after'), 'hello after');
  });

  test('answers bigger than a slot come over the port', async () => {
    const long = 'y'.repeat(SLOT_BYTES);
    assert.equal(await api.say(long), `hello ${long}`);
    const data = bytes(SLOT_BYTES * 40, 1);
    const reversed = await api.reverse_bytes(data);
    assert.deepEqual(reversed, data.slice().reverse());
    assert.deepEqual(await api.scale(new Float64Array(SLOT_BYTES).fill(1.5), 2), new Float64Array(SLOT_BYTES).fill(3));
  });

  test('big typed arrays: one call at a time in the bulk area, the others by clone, none aliased', async () => {
    const inputs = [0, 1, 2, 3].map((seed) => bytes(300_000 + seed * 1000, seed));
    const sums = await Promise.all(inputs.map((data) => api.sum_bytes(data)));
    assert.deepEqual(sums, inputs.map(sum));
    // An answer must not be a view of the bulk area, which the next call overwrites.
    const first = await api.reverse_bytes(inputs[0]!);
    const second = await api.reverse_bytes(inputs[1]!);
    assert.deepEqual(first, inputs[0]!.slice().reverse());
    assert.deepEqual(second, inputs[1]!.slice().reverse());
    assert.ok(!(first.buffer instanceof SharedArrayBuffer));
    // Bigger than the area so far: a bigger one replaces it.
    const huge = bytes(5_000_000, 9);
    assert.equal(await api.sum_bytes(huge), sum(huge));
    assert.equal(huge.byteLength, 5_000_000, 'a plain call leaves the caller its buffer');
  });

  test('a typed array in a SharedArrayBuffer crosses by reference', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(200_000));
    shared.set(bytes(200_000, 5));
    assert.equal(await api.sum_bytes(shared), sum(shared));
    assert.deepEqual(await api.reverse_bytes(shared), shared.slice().reverse());
  });

  test('transfer() moves the buffer over the port instead of copying it', async () => {
    const data = bytes(100_000, 4);
    const expected = data.slice().reverse();
    const reversed = await api.reverse_bytes(transfer(data));
    assert.equal(data.byteLength, 0);
    assert.deepEqual(reversed, expected);
  });

  test(`1000 calls in flight wrap the ${SLOTS}-slot ring and each gets its own answer`, async () => {
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? api.say(`n${i}`) : api.add(i, 1))));
    answers.forEach((answer, i) => assert.equal(answer, i % 3 === 0 ? `hello n${i}` : i + 1));
  });

  test('objects: methods, handles and frees travel in order through the ring', async () => {
    const counters = await Promise.all(Array.from({ length: 300 }, (_, i) => api.Counter.create(`c${i}`, BigInt(i))));
    const counts = await Promise.all(counters.map((counter) => counter.increment(1n)));
    assert.deepEqual(counts, counters.map((_, i) => BigInt(i + 1)));
    await Promise.all(counters.map((counter) => counter.free()));
    assert.equal(api.$metrics().liveObjects, 0);
  });
});

describe('the channel when a thread fails with calls written behind the running one', () => {
  let api: Offloaded<Faults>;
  before(async () => {
    api = await load<Faults>((await buildFixture('runtime-faults')).pkgDir, { threads: 1 });
  });
  after(() => api.$close());

  test('a thread that dies mid-call: that call fails, the calls behind it run on a new thread', async () => {
    // Warm the estimate so several calls are handed ahead behind the one that ends the thread.
    for (let i = 0; i < 5; i++) await api.ok();
    const calls = [api.exit_thread(), ...Array.from({ length: 20 }, () => api.ok())];
    const [exit, ...rest] = await Promise.allSettled(calls);
    assert.equal(exit!.status, 'rejected');
    assert.ok((exit as PromiseRejectedResult).reason instanceof OffloadWorkerCrashedError);
    assert.deepEqual(rest.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))), Array(20).fill('ok'));
  });

  test('a trap: that call fails, the calls behind it run on a new thread', async () => {
    const calls = [api.panic_with('boom'), ...Array.from({ length: 20 }, () => api.ok())];
    const [trap, ...rest] = await Promise.allSettled(calls);
    assert.ok(trap?.status === 'rejected' && trap.reason instanceof OffloadTrapError && trap.reason.panicMessage === 'guest refused: boom');
    assert.deepEqual(rest.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))), Array(20).fill('ok'));
    assert.ok(api.$metrics().workersReplaced >= 2);
  });
});
