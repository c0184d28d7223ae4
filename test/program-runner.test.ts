/**
 * Program runners are handles: each owns its V8 worker threads and WasmEdge processes, and
 * close() ends its own busy work (runs in flight reject with ERR_OFFLOAD_CLOSED, WasmEdge
 * processes are killed) without touching any other runner's.
 *
 * Run: node --import tsx --test test/program-runner.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProgramRunnerClosedError,
  ProgramTimeoutError,
  createProgramRunner,
  type ProgramEngine,
  type ProgramRunner,
} from '../src/programs/index.js';
import { buildProgramFixture, ensureWasmEdge, programsCrateDir, programEngines } from './helpers/build-program.js';

const crateDir = programsCrateDir;
const engines: ProgramEngine[] = [...programEngines];
let spin: Buffer;
let exitcode: Buffer;
const opened: ProgramRunner[] = [];

/** A runner closed when the file ends, whatever a failed assertion left behind. */
function runner(options?: Parameters<typeof createProgramRunner>[0]): ProgramRunner {
  const created = createProgramRunner(options);
  opened.push(created);
  return created;
}

before(async () => {
  const [bins] = await Promise.all([buildProgramFixture(crateDir), ensureWasmEdge()]);
  spin = readFileSync(bins.get('spin')!);
  exitcode = readFileSync(bins.get('exitcode')!);
  // WasmEdge compiles ahead of time; the cache makes later runners' prepare() quick.
  const warm = runner();
  await Promise.all([warm.prepare(spin), warm.prepare(exitcode)]);
});
after(() => Promise.all(opened.map((r) => r.close())));

const isClosedError = (e: unknown) => {
  assert.ok(e instanceof ProgramRunnerClosedError, `expected ProgramRunnerClosedError, got ${String(e)}`);
  assert.equal(e.code, 'ERR_OFFLOAD_CLOSED');
  return true;
};

/** The `wasmedge` processes this process started (Linux: /proc lists a task's children). */
function wasmEdgeChildren(): number[] {
  const tasks = readdirSync(`/proc/${process.pid}/task`);
  const pids = tasks.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return []; // the thread ended while we looked
    }
  });
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('program.wasm');
    } catch {
      return false; // already gone
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

describe('a program runner', () => {
  for (const engine of engines) {
    test(`on ${engine}, closing one runner stops its runs and leaves another runner's alone`, async () => {
      const closing = runner();
      const other = runner();
      const doomed = closing.run(spin, { engine, timeoutMs: 20_000 });
      // The other runner's endless program must end by its own timeout, not by the close.
      const survivor = other.run(spin, { engine, timeoutMs: 1500 });
      await closing.close();
      await assert.rejects(doomed, isClosedError);
      await assert.rejects(survivor, ProgramTimeoutError);
      const next = await other.run(exitcode, { engine, args: ['5'] });
      assert.equal(next.exitCode, 5);
      assert.equal(next.stdout.toString(), 'exiting with 5\n');
    });

    test(`on ${engine}, runs and prepare() after close() reject with ERR_OFFLOAD_CLOSED`, async () => {
      const closed = runner();
      assert.equal((await closed.run(exitcode, { engine, args: ['0'] })).exitCode, 0);
      await closed.close();
      await assert.rejects(closed.run(exitcode, { engine, args: ['0'] }), isClosedError);
      await assert.rejects(closed.prepare(exitcode), isClosedError);
      // Closing twice is harmless.
      await closed.close();
    });
  }

  test('close() during a WasmEdge run kills the process and leaves no child behind', async () => {
    const closing = runner();
    const run = closing.run(spin, { engine: 'wasmedge', timeoutMs: 20_000 });
    let pids: number[] = [];
    // Wait for the process to exist: it is spawned once its pipes are ready.
    while (pids.length === 0) {
      pids = wasmEdgeChildren();
      if (pids.length === 0) await sleep(20);
    }
    assert.equal(pids.length, 1);
    assert.ok(isAlive(pids[0]!));
    await closing.close();
    await assert.rejects(run, isClosedError);
    assert.equal(isAlive(pids[0]!), false, `wasmedge ${pids[0]} still runs after close()`);
    assert.deepEqual(wasmEdgeChildren(), []);
  });

  test('runs queued behind a full WasmEdge limit reject on close() instead of starting', async () => {
    const closing = runner({ wasmedgeProcesses: 1 });
    const running = closing.run(spin, { engine: 'wasmedge', timeoutMs: 20_000 });
    const queued = closing.run(exitcode, { engine: 'wasmedge', args: ['0'] });
    await closing.close();
    await assert.rejects(running, isClosedError);
    await assert.rejects(queued, isClosedError);
    assert.deepEqual(wasmEdgeChildren(), []);
  });
});
