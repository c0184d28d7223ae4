/**
 * The V8 engine as a handle: close() stops runs in flight (their worker threads are
 * terminated, not left spinning) and refuses later runs.
 *
 * Run: node --import tsx --test test/programs-v8-engine.test.ts
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ProgramRunnerClosedError } from '../src/programs/errors.js';
import { normalizeOptions } from '../src/programs/options.js';
import { V8Engine } from '../src/programs/v8-engine.js';
import { inspectProgram } from '../src/programs/inspect-program.js';
import { buildProgramFixture, programsCrateDir } from './helpers/build-program.js';

const crateDir = programsCrateDir;
let bins: Map<string, string>;

before(async () => {
  bins = await buildProgramFixture(crateDir);
});

/** A program, its inspection and options, as run-program.ts hands them to an engine. */
function program(name: string, options: Parameters<typeof normalizeOptions>[0] = {}) {
  const bytes = readFileSync(bins.get(name)!);
  return [bytes, inspectProgram(bytes), normalizeOptions(options)] as const;
}

/** OS threads of this process: a worker thread that was not stopped is still among them. */
const threadCount = (): number => readdirSync('/proc/self/task').length;

/** Resolves once a thread beyond `baseline` runs: the engine's worker has started. */
async function workerStarted(baseline: number): Promise<void> {
  while (threadCount() <= baseline) await nextTurn();
}

function isClosedError(e: unknown): true {
  assert.ok(e instanceof ProgramRunnerClosedError, String(e));
  assert.equal(e.code, 'ERR_OFFLOAD_CLOSED');
  return true;
}

test('close() stops a program spinning in a worker, and no worker thread is left', async () => {
  // Start and stop one engine first, so that whatever the process starts lazily on a
  // first run (loader and compiler threads) is part of the baseline.
  const warmup = new V8Engine({ threads: 1 });
  assert.equal((await warmup.run(...program('exitcode', { args: ['3'] }))).exitCode, 3);
  await warmup.close();
  const baseline = threadCount();

  const engine = new V8Engine({ threads: 1 });
  // Without close() this run would end only after a minute, with a timeout error.
  const spinning = engine.run(...program('spin', { timeoutMs: 60_000 }));
  spinning.catch(() => {});
  await workerStarted(baseline);

  await engine.close();
  await assert.rejects(spinning, isClosedError);
  assert.ok(threadCount() <= baseline, `${threadCount() - baseline} thread(s) still running after close()`);
});

test('runs queued behind a busy worker are refused by close() too', async () => {
  const baseline = threadCount();
  const engine = new V8Engine({ threads: 1 });
  const first = engine.run(...program('spin', { timeoutMs: 60_000 }));
  first.catch(() => {});
  await workerStarted(baseline);
  const queued = engine.run(...program('exitcode', { args: ['1'] }));
  queued.catch(() => {});
  await engine.close();
  await Promise.all([assert.rejects(first, isClosedError), assert.rejects(queued, isClosedError)]);
});

test('a run after close() is refused, and other engines keep working', async () => {
  const closed = new V8Engine();
  await closed.close();
  await assert.rejects(closed.run(...program('exitcode', { args: ['2'] })), isClosedError);

  const open = new V8Engine();
  try {
    assert.equal((await open.run(...program('exitcode', { args: ['4'] }))).exitCode, 4);
  } finally {
    await open.close();
  }
});
