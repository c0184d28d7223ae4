// A crate written as wasm-bindgen-rayon documents it, built with `offload build --threads`,
// runs through load(): offload starts rayon's pool itself, the work spreads over its threads,
// and a panic or a timeout inside rayon work replaces the instance with all its threads.
// Nothing here is skipped: a machine that cannot build threads fails with the reason.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { buildPackage } from '../src/build/build.js';
import { silentReporter } from '../src/build/progress.js';
import { load } from '../src/runtime/index.js';
import { fixturesDir } from './helpers/build-fixture.js';

interface Threads {
  par_sum_squares(n: number): number;
  seq_sum_squares(n: number): number;
  threads_in_par_iter(): number;
  pool_threads(): number;
  par_panic(n: number, bad: number): number;
  par_spin(n: number): number;
}

// Its own cargo target folder: std rebuilt with atomics must not evict the shared SIMD build.
const threadsTargetDir = join(homedir(), '.cache', 'offload', 'threads-target');
let pkgDir: string;

before(async () => {
  const built = await buildPackage(join(fixturesDir, 'threads-rayon'), { threads: true, targetDir: threadsTargetDir, reporter: silentReporter });
  pkgDir = built.pkgDir;
});

/** Operating-system threads of this process: every worker thread is one. */
function osThreads(): number {
  return readdirSync('/proc/self/task').length;
}

/** Waits until a terminated thread has really gone, for as long as a loaded machine needs. */
async function settleTo(expected: number): Promise<number> {
  for (let i = 0; i < 600 && osThreads() > expected; i++) await sleep(50);
  return osThreads();
}

describe('a rayon crate through load()', () => {
  let api: Awaited<ReturnType<typeof load<Threads>>>;
  before(async () => {
    api = await load<Threads>(pkgDir, { threadsPerInstance: 2, timeoutMs: 60_000 });
  });
  after(() => api?.$close());

  it('hides wasm-bindgen-rayon machinery (offload starts the pool itself) and the start function', () => {
    const names = Object.keys(api);
    for (const hidden of ['initThreadPool', 'wbg_rayon_start_worker', 'wbg_rayon_PoolBuilder', 'start']) assert.ok(!names.includes(hidden), hidden);
    assert.ok(names.includes('par_sum_squares'));
  });

  it("gives par_iter's result, equal to the sequential one", async () => {
    for (const n of [0, 1, 1000, 100_003]) {
      assert.equal(await api.par_sum_squares(n), await api.seq_sum_squares(n), `n = ${n}`);
    }
  });

  it('runs the work on every thread of a pool of threadsPerInstance', async () => {
    assert.equal(await api.pool_threads(), 2);
    // Each pool thread must reach a barrier sized to the pool inside one par_iter.
    assert.equal(await api.threads_in_par_iter(), 2);
  });

  it('turns a panic inside a rayon task into ERR_OFFLOAD_TRAP, and the next call works', async () => {
    const replacedBefore = api.$metrics().workersReplaced;
    await assert.rejects(api.par_panic(10_000, 7_777), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_OFFLOAD_TRAP');
      assert.match(error.message, /element 7777 is bad/);
      return true;
    });
    assert.equal(api.$metrics().workersReplaced, replacedBefore + 1);
    assert.equal(await api.par_sum_squares(1000), await api.seq_sum_squares(1000));
    assert.equal(await api.threads_in_par_iter(), 2, 'the replacement has its own helpers');
  });
});

describe('a timeout inside rayon work', () => {
  it('replaces the instance together with its helper threads, leaving nothing running', async () => {
    // Node's own threads (libuv's pool among them) start on first use: use them once first.
    await readFile(join(pkgDir, 'offload.json'));
    const before = osThreads();
    const api = await load<Threads>(pkgDir, { threadsPerInstance: 2, timeoutMs: 60_000 });
    const running = osThreads();
    assert.ok(running >= before + 3, `an instance thread and 2 helpers: ${before} → ${running}`);

    await assert.rejects(api.$with({ timeoutMs: 500 }).par_spin(64), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_OFFLOAD_TIMEOUT');
      return true;
    });
    assert.equal(await api.par_sum_squares(1000), await api.seq_sum_squares(1000), 'the next call runs on a fresh instance');
    assert.equal(await api.threads_in_par_iter(), 2);
    assert.equal(api.$metrics().workersReplaced, 1);
    // The spinning instance and its two helpers are gone: as many threads as one instance needs.
    assert.equal(await settleTo(running), running);

    await api.$close();
    assert.equal(await settleTo(before), before, 'closing ends every thread offload started');
  });
});

describe('load() options for threaded packages', () => {
  it("refuses mode 'inline', where rayon's helpers would block the caller's thread", async () => {
    await assert.rejects(load(pkgDir, { mode: 'inline' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_OFFLOAD_BAD_ARGUMENT');
      assert.match(error.message, /--threads/);
      return true;
    });
  });

  it('applies memoryLimitMb to the shared memory each instance creates', async () => {
    // Below the module's own minimum (18 pages): refused with the numbers, not a link error.
    await assert.rejects(load(pkgDir, { memoryLimitMb: 1 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_OFFLOAD_BAD_ARGUMENT');
      assert.match(error.message, /memoryLimitMb is 1 MiB but the module needs 1\.125 MiB to start/);
      return true;
    });
    const api = await load<Threads>(pkgDir, { threadsPerInstance: 1, memoryLimitMb: 64 });
    try {
      assert.equal(await api.par_sum_squares(10), await api.seq_sum_squares(10));
    } finally {
      await api.$close();
    }
  });
});
