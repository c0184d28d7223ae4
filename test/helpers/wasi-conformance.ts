/**
 * The official WASI preview1 test suite (test/fixtures/wasi-testsuite), run the way its own
 * runner runs it: every test with a fresh copy of its directory, the spec's arguments,
 * environment and preopens, empty stdin; a test passes when the exit code matches and stdout
 * and stderr start with the spec's text. The engine is a parameter, so the same runner scores
 * offload's two engines and Node's own node:wasi side by side.
 *
 * As a script it prints the table for all three:
 *   node --import tsx test/helpers/wasi-conformance.ts [v8|wasmedge|node-wasi ...]
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';
import { childStdio } from '../../src/programs/child-stdio.js';
import { createProgramRunner, type ProgramEngine, type ProgramRunner } from '../../src/programs/index.js';
import { buildProgramFixture } from './build-program.js';

export const suiteDir = fileURLToPath(new URL('../fixtures/wasi-testsuite/', import.meta.url));

/** A test's JSON spec; every key is optional (see the suite's README). */
export interface TestSpec {
  args?: string[];
  env?: Record<string, string>;
  root?: string;
  dirs?: string[];
  exit_code?: number;
  stdout?: string;
  stderr?: string;
}

export interface ConformanceTest {
  /** `c/lseek`, `rust/fd_readdir`, ...: the suite folder and the test's name. */
  id: string;
  wasm: string;
  spec: TestSpec;
  /** Where the spec's `root` and `dirs` folders live. */
  specDir: string;
}

/** What a run gives back: the same shape from every engine. */
export interface RunOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One run of a test on an engine, after a fresh copy of its folders was made. */
export interface RunRequest {
  wasm: Buffer;
  args: string[];
  env: Record<string, string>;
  /** Guest path -> host folder (a private copy). */
  preopens: Record<string, string>;
}

/** Runs a test; resolves with its output, or rejects when the engine refused or trapped. */
export type EngineRunner = (request: RunRequest) => Promise<RunOutput>;

export interface TestOutcome {
  id: string;
  passed: boolean;
  /** Why it failed, as a person would want to read it. */
  reason?: string;
}

function readSpec(path: string): TestSpec {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as TestSpec) : {};
}

function prebuilt(suite: 'c' | 'assemblyscript'): ConformanceTest[] {
  const dir = join(suiteDir, suite);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wasm'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.wasm'.length);
      return { id: `${suite}/${name}`, wasm: join(dir, f), spec: readSpec(join(dir, `${name}.json`)), specDir: dir };
    });
}

/** All 72 tests; the Rust ones are built (and cached) with the project's own toolchain. */
export async function listConformanceTests(): Promise<ConformanceTest[]> {
  const rustBins = await buildProgramFixture(join(suiteDir, 'rust'));
  const binDir = join(suiteDir, 'rust', 'src', 'bin');
  const rust = [...rustBins.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, wasm]) => ({ id: `rust/${name}`, wasm, spec: readSpec(join(binDir, `${name}.json`)), specDir: binDir }));
  return [...prebuilt('c'), ...prebuilt('assemblyscript'), ...rust];
}

function firstLine(text: string): string {
  const line = text.trim().split('\n').slice(-3).join(' | ');
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

/** Runs one test in a fresh scratch folder and judges its output as the upstream runner does. */
export async function runConformanceTest(test: ConformanceTest, engine: EngineRunner): Promise<TestOutcome> {
  const scratch = mkdtempSync(join(tmpdir(), 'offload-wasi-suite-'));
  try {
    const preopens: Record<string, string> = {};
    const copy = (name: string): string => {
      const target = join(scratch, basename(name));
      cpSync(join(test.specDir, name), target, { recursive: true });
      return target;
    };
    if (test.spec.root) preopens['/'] = copy(test.spec.root);
    for (const dir of test.spec.dirs ?? []) preopens[`/${dir}`] = copy(dir);
    let out: RunOutput;
    try {
      out = await engine({
        wasm: readFileSync(test.wasm),
        args: test.spec.args ?? [],
        env: test.spec.env ?? {},
        preopens,
      });
    } catch (e) {
      const error = e as Error & { stderr?: Buffer };
      const stderr = error.stderr?.length ? `; stderr: ${firstLine(error.stderr.toString('utf8'))}` : '';
      return { id: test.id, passed: false, reason: `${error.message}${stderr}` };
    }
    const expectedExit = test.spec.exit_code ?? 0;
    const problems: string[] = [];
    if (out.exitCode !== expectedExit) problems.push(`exit code ${out.exitCode}, expected ${expectedExit}`);
    if (test.spec.stdout !== undefined && !out.stdout.startsWith(test.spec.stdout)) {
      problems.push(`stdout ${JSON.stringify(out.stdout.slice(0, 80))}, expected it to start with ${JSON.stringify(test.spec.stdout)}`);
    }
    if (test.spec.stderr !== undefined && !out.stderr.startsWith(test.spec.stderr)) {
      problems.push(`stderr ${JSON.stringify(out.stderr.slice(0, 80))}, expected it to start with ${JSON.stringify(test.spec.stderr)}`);
    }
    if (problems.length === 0) return { id: test.id, passed: true };
    if (out.stderr.trim()) problems.push(`stderr: ${firstLine(out.stderr)}`);
    return { id: test.id, passed: false, reason: problems.join('; ') };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs every test, `concurrency` at a time, and returns the outcomes in the tests' order. */
export async function runConformance(tests: ConformanceTest[], engine: EngineRunner, concurrency = 2): Promise<TestOutcome[]> {
  const outcomes: TestOutcome[] = new Array(tests.length);
  let next = 0;
  const lane = async () => {
    while (next < tests.length) {
      const i = next++;
      outcomes[i] = await runConformanceTest(tests[i]!, engine);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return outcomes;
}

/** An offload engine through a public program runner, exactly as a user calls it. */
export function offloadEngine(engine: ProgramEngine, runner: ProgramRunner): EngineRunner {
  return async (request) => {
    const result = await runner.run(request.wasm, {
      engine,
      args: request.args,
      env: request.env,
      dirs: Object.entries(request.preopens).map(([guest, host]) => ({ guest, host })),
      timeoutMs: 60_000,
    });
    return { exitCode: result.exitCode, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') };
  };
}

/**
 * Node's own node:wasi, for comparison only, in this process. Its stdio are pipes, as under the
 * upstream runner (a regular file cannot be polled). node:wasi writes synchronously while
 * this thread cannot drain the pipes, which holds for the suite's few bytes of output only.
 */
export const nodeWasiEngine: EngineRunner = async (request) => {
  const stdio = await childStdio(new Uint8Array());
  const collect = (s: NodeJS.ReadableStream) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const stdout = collect(stdio.stdout);
  const stderr = collect(stdio.stderr);
  // Empty stdin must read as end-of-file, not block: wait until its write end is closed.
  await new Promise((resolve) => stdio.stdin.once('close', resolve));
  let exitCode: number;
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['program.wasm', ...request.args],
      env: request.env,
      preopens: request.preopens,
      stdin: stdio.fds[0],
      stdout: stdio.fds[1],
      stderr: stdio.fds[2],
      returnOnExit: true,
    });
    const module = await WebAssembly.compile(new Uint8Array(request.wasm));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    try {
      exitCode = wasi.start(instance);
    } catch (e) {
      stdio.release();
      await stdio.drained;
      throw Object.assign(new Error(`trapped: ${(e as Error).message}`), { stderr: Buffer.from(stderr()) });
    }
  } finally {
    stdio.release();
  }
  await stdio.drained;
  return { exitCode, stdout: stdout(), stderr: stderr() };
};

export interface EngineScore {
  engine: string;
  outcomes: TestOutcome[];
}

/** The table (engine, passed, failed, total) followed by each failure and its reason. */
export function formatScores(scores: EngineScore[]): string {
  const rows = scores.map(({ engine, outcomes }) => {
    const passed = outcomes.filter((o) => o.passed).length;
    return [engine, String(passed), String(outcomes.length - passed), String(outcomes.length)];
  });
  const lines = ['| engine | passed | failed | total |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)];
  for (const { engine, outcomes } of scores) {
    const failed = outcomes.filter((o) => !o.passed);
    if (failed.length === 0) continue;
    lines.push('', `failing on ${engine}:`, ...failed.map((o) => `  ${o.id}: ${o.reason}`));
  }
  return lines.join('\n');
}

const engines: Record<string, { label: string; runner: (programs: ProgramRunner) => EngineRunner; concurrency: number }> = {
  v8: { label: 'offload v8', runner: (programs) => offloadEngine('v8', programs), concurrency: 2 },
  wasmedge: { label: 'offload wasmedge', runner: (programs) => offloadEngine('wasmedge', programs), concurrency: 2 },
  'node-wasi': { label: 'node:wasi', runner: () => nodeWasiEngine, concurrency: 1 },
};

async function main(names: string[]): Promise<void> {
  const tests = await listConformanceTests();
  const scores: EngineScore[] = [];
  const programs = createProgramRunner();
  try {
    for (const name of names.length > 0 ? names : Object.keys(engines)) {
      const engine = engines[name];
      if (!engine) throw new Error(`unknown engine ${name}; expected one of ${Object.keys(engines).join(', ')}`);
      scores.push({ engine: engine.label, outcomes: await runConformance(tests, engine.runner(programs), engine.concurrency) });
    }
  } finally {
    await programs.close();
  }
  console.log(`WASI test suite (${tests.length} tests), Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log(formatScores(scores));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
