// Adversarial guests: for each fault, the error a caller sees, and that the very next call on
// the same package succeeds. Then many calls at once, some faulting, each answered once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  OffloadError,
  OffloadMemoryError,
  OffloadResultTooLargeError,
  OffloadTimeoutError,
  OffloadTrapError,
  OffloadWorkerCrashedError,
  load,
  type Offloaded,
} from '../src/runtime/index.js';
import { buildFixture } from './helpers/build-fixture.js';

// recurse(n) sums (depth as u8) over its frames.
const recurseResult = (n: number): number => Array.from({ length: n }, (_, d) => (d + 1) % 256).reduce((a, b) => a + b, 0);

type Faults = typeof import('./fixtures/runtime-faults/pkg/runtime_faults.js');

let pkgDir: string;
before(async () => {
  pkgDir = (await buildFixture('runtime-faults')).pkgDir;
});

describe('each fault rejects its call, and the next call succeeds (pool)', () => {
  let api: Offloaded<Faults>;
  before(async () => {
    api = await load<Faults>(pkgDir, { threads: 1, memoryLimitMb: 64, maxResultMb: 16, timeoutMs: 5_000 });
  });
  after(() => api.$close());

  test('endless loop: ERR_OFFLOAD_TIMEOUT, the thread is replaced', async () => {
    const replacedBefore = api.$metrics().workersReplaced;
    await assert.rejects(api.$with({ timeoutMs: 200 }).loop_forever(), (error: unknown) => {
      assert.ok(error instanceof OffloadTimeoutError);
      assert.equal(error.code, 'ERR_OFFLOAD_TIMEOUT');
      assert.equal(error.timeoutMs, 200);
      assert.match(error.message, /Raise timeoutMs/);
      return true;
    });
    assert.equal(await api.ok(), 'ok');
    assert.equal(api.$metrics().workersReplaced, replacedBefore + 1);
  });

  test('panic: ERR_OFFLOAD_TRAP carrying the panic message and location', async () => {
    await assert.rejects(api.panic_with('no thanks'), (error: unknown) => {
      assert.ok(error instanceof OffloadTrapError);
      assert.equal(error.code, 'ERR_OFFLOAD_TRAP');
      assert.equal(error.kind, 'panic');
      assert.equal(error.panicMessage, 'guest refused: no thanks');
      assert.match(error.location ?? '', /src\/lib\.rs:\d+:\d+/);
      assert.match(error.message, /panic_with trapped: Rust panicked: guest refused: no thanks/);
      return true;
    });
    assert.equal(await api.ok(), 'ok');
  });

  test('unbounded allocation: ERR_OFFLOAD_MEMORY at the memory limit', async () => {
    await assert.rejects(api.allocate_forever(), (error: unknown) => {
      assert.ok(error instanceof OffloadMemoryError);
      assert.equal(error.code, 'ERR_OFFLOAD_MEMORY');
      assert.equal(error.limitBytes, 64 * 2 ** 20);
      assert.ok((error.usedBytes ?? 0) <= 64 * 2 ** 20, 'the cap held: memory never grew past it');
      assert.match(error.message, /raise memoryLimitMb/);
      return true;
    });
    assert.equal(await api.ok(), 'ok');
  });

  test('unbounded recursion: ERR_OFFLOAD_TRAP that names the stack', async () => {
    await assert.rejects(api.recurse(1_000_000), (error: unknown) => {
      assert.ok(error instanceof OffloadTrapError);
      assert.ok(error.kind === 'memory_access' || error.kind === 'stack_overflow', error.kind);
      assert.match(error.message, /stack/);
      return true;
    });
    assert.equal(await api.recurse(10), 55, 'bounded recursion still works');
  });

  test('huge output: ERR_OFFLOAD_RESULT_TOO_LARGE above maxResultMb, ERR_OFFLOAD_MEMORY above the memory limit', async () => {
    await assert.rejects(api.huge_output(32), (error: unknown) => {
      assert.ok(error instanceof OffloadResultTooLargeError);
      assert.equal(error.code, 'ERR_OFFLOAD_RESULT_TOO_LARGE');
      assert.ok(error.sizeBytes >= 32 * 2 ** 20);
      assert.match(error.message, /raise maxResultMb/);
      return true;
    });
    await assert.rejects(api.huge_output(100), OffloadMemoryError);
    const fits = await api.huge_output(8);
    assert.equal(fits.byteLength, 8 * 2 ** 20);
    assert.equal(fits[fits.length - 1], 7);
  });

  test('a guest that ends its thread: ERR_OFFLOAD_WORKER_CRASHED, and a new thread serves', async () => {
    await assert.rejects(api.exit_thread(), (error: unknown) => {
      assert.ok(error instanceof OffloadWorkerCrashedError);
      assert.equal(error.code, 'ERR_OFFLOAD_WORKER_CRASHED');
      return true;
    });
    assert.equal(await api.ok(), 'ok');
  });
});

describe('faults in inline mode', () => {
  test('panic, memory and stack traps are reported the same way and the instance is replaced', async () => {
    const api = await load<Faults>(pkgDir, { mode: 'inline', memoryLimitMb: 32 });
    try {
      await assert.rejects(api.panic_with('inline'), (e: unknown) => e instanceof OffloadTrapError && e.panicMessage === 'guest refused: inline');
      assert.equal(await api.ok(), 'ok');
      await assert.rejects(api.allocate_forever(), OffloadMemoryError);
      assert.equal(await api.ok(), 'ok');
      await assert.rejects(api.recurse(1_000_000), OffloadTrapError);
      assert.equal(await api.ok(), 'ok');
      assert.equal(api.$metrics().workersReplaced, 3);
    } finally {
      await api.$close();
    }
  });
});

test('the event loop keeps ticking while a long call runs in the pool', async () => {
  const api = await load<Faults>(pkgDir, { threads: 1 });
  try {
    let ticks = 0;
    let done = false;
    const call = api.$with({ timeoutMs: 1_000 }).loop_forever().catch((error: unknown) => error).finally(() => { done = true; });
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        ticks++;
        if (done) resolve();
        else setImmediate(tick);
      };
      tick();
    });
    assert.ok((await call) instanceof OffloadTimeoutError);
    assert.ok(ticks > 100, `the main thread ran ${ticks} event-loop turns while the guest spun`);
  } finally {
    await api.$close();
  }
});

test('many calls at once, some faulting: every call is answered exactly once, with its own answer', async () => {
  const api = await load<Faults>(pkgDir, { threads: 2, memoryLimitMb: 32, timeoutMs: 2_000 });
  try {
    const kinds = ['ok', 'recurse', 'panic', 'ok', 'alloc', 'ok', 'loop', 'huge'] as const;
    const calls = Array.from({ length: 120 }, (_, i) => {
      const kind = kinds[i % kinds.length]!;
      const run = (): Promise<unknown> => {
        switch (kind) {
          case 'ok': return api.ok();
          case 'recurse': return api.recurse(i);
          case 'panic': return api.panic_with(`call ${i}`);
          case 'alloc': return api.allocate_forever();
          case 'loop': return api.$with({ timeoutMs: 50 }).loop_forever();
          case 'huge': return api.huge_output(1);
        }
      };
      let answers = 0;
      type Answer = { i: number; kind: typeof kind; value?: unknown; error?: unknown; answers: number };
      return run().then(
        (value): Answer => ({ i, kind, value, answers: ++answers }),
        (error: unknown): Answer => ({ i, kind, error, answers: ++answers }),
      );
    });
    const results = await Promise.all(calls);
    assert.equal(results.length, 120);
    for (const r of results) {
      assert.equal(r.answers, 1);
      switch (r.kind) {
        case 'ok': assert.equal(r.value, 'ok'); break;
        case 'recurse': assert.equal(r.value, recurseResult(r.i)); break;
        case 'huge': assert.equal((r.value as Uint8Array).byteLength, 2 ** 20); break;
        case 'panic':
          assert.ok(r.error instanceof OffloadTrapError);
          assert.equal(r.error.panicMessage, `guest refused: call ${r.i}`, 'each panic message reaches its own caller');
          break;
        case 'alloc': assert.ok(r.error instanceof OffloadMemoryError); break;
        case 'loop': assert.ok(r.error instanceof OffloadTimeoutError); break;
      }
    }
    const metrics = api.$metrics();
    const total = Object.values(metrics.functions).reduce((sum, f) => sum + f.calls, 0);
    assert.equal(total, 120, 'metrics saw each call once');
    assert.equal(metrics.queueDepth, 0);
    assert.ok(results.every((r) => r.error === undefined || r.error instanceof OffloadError));
  } finally {
    await api.$close();
  }
});

// A call handed ahead to a busy thread (so the thread starts it without waiting for the main
// thread) is still answered exactly once when the call in front of it traps or times out,
// and it counts against maxQueue like any waiting call.
describe('calls handed ahead to a busy thread', () => {
  let api: Offloaded<Faults>;
  before(async () => {
    api = await load<Faults>(pkgDir, { threads: 1, timeoutMs: 400, maxQueue: 1 });
  });
  after(() => api.$close());

  test('the call behind a panic runs on the replacement thread', async () => {
    const [trap, next] = await Promise.allSettled([api.panic_with('first'), api.ok()]);
    assert.equal(trap.status, 'rejected');
    assert.equal((trap as PromiseRejectedResult).reason.code, 'ERR_OFFLOAD_TRAP');
    assert.deepEqual(next, { status: 'fulfilled', value: 'ok' });
  });

  test('the call behind a timeout runs on the replacement thread, with its own full timeout', async () => {
    const [slow, next] = await Promise.allSettled([api.loop_forever(), api.ok()]);
    assert.equal((slow as PromiseRejectedResult).reason.code, 'ERR_OFFLOAD_TIMEOUT');
    assert.deepEqual(next, { status: 'fulfilled', value: 'ok' });
  });

  test('a handed-ahead call counts as waiting for maxQueue', async () => {
    const running = api.loop_forever();
    const waiting = api.ok();
    await assert.rejects(api.ok(), { code: 'ERR_OFFLOAD_QUEUE_FULL' });
    await assert.rejects(running, { code: 'ERR_OFFLOAD_TIMEOUT' });
    assert.equal(await waiting, 'ok');
    assert.equal(api.$metrics().queueDepth, 0);
  });
});
