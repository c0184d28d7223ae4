/**
 * WASI conformance: the official WASI preview1 test suite (72 tests: C, AssemblyScript and
 * Rust, vendored in test/fixtures/wasi-testsuite) must pass in full on both engines. Each
 * engine's table (passed, failed, total) and every failure with its reason are printed, so a
 * red run says which WASI call regressed.
 *
 * Run: node --import tsx --test test/wasi-conformance.test.ts
 * (`node --import tsx test/helpers/wasi-conformance.ts` prints the table with node:wasi too.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProgramRunner, type ProgramEngine } from '../src/programs/index.js';
import { ensureWasmEdge } from './helpers/build-program.js';
import {
  formatScores,
  listConformanceTests,
  offloadEngine,
  runConformance,
  type ConformanceTest,
  type EngineScore,
} from './helpers/wasi-conformance.js';

/** The suite as vendored: a different count means tests went missing or were not built. */
const SUITE_SIZE = { c: 14, assemblyscript: 12, rust: 46 };

let tests: ConformanceTest[];
const runner = createProgramRunner();
const scores: EngineScore[] = [];

before(async () => {
  // Both prerequisites are real: a missing compiler or WasmEdge fails the suite.
  [tests] = await Promise.all([listConformanceTests(), ensureWasmEdge()]);
});
after(async () => {
  await runner.close();
  if (scores.length > 0) console.log(`\nWASI test suite on offload's engines\n\n${formatScores(scores)}\n`);
});

describe('the official WASI test suite', () => {
  test('is all there: 14 C, 12 AssemblyScript and 46 Rust tests', () => {
    const count = (suite: string) => tests.filter((t) => t.id.startsWith(`${suite}/`)).length;
    assert.deepEqual({ c: count('c'), assemblyscript: count('assemblyscript'), rust: count('rust') }, SUITE_SIZE);
  });

  for (const engine of ['v8', 'wasmedge'] as ProgramEngine[]) {
    test(`passes every test on ${engine}`, async () => {
      const outcomes = await runConformance(tests, offloadEngine(engine, runner), 2);
      scores.push({ engine: `offload ${engine}`, outcomes });
      const failures = outcomes.filter((o) => !o.passed).map((o) => `${o.id}: ${o.reason}`);
      assert.deepEqual(failures, [], `${failures.length} of ${outcomes.length} WASI tests failed on ${engine}`);
      assert.equal(outcomes.length, SUITE_SIZE.c + SUITE_SIZE.assemblyscript + SUITE_SIZE.rust);
    });
  }
});
