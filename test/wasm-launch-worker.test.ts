// Worker threads inherit the parent's execArgv; load() and the V8 program engine, which start
// their workers the same way (src/wasm/launch-worker.ts), must work however Node was started.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { workerExecArgv } from '../src/wasm/worker-exec-argv.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';
import { buildProgramFixture } from './helpers/build-program.js';
import { repoRoot } from './helpers/cli.js';

const run = promisify(execFile);
const probe = join(repoRoot, 'test', 'helpers', 'argv-probe.ts');
let built: BuiltFixture;
let exitcodeWasm: string;

before(async () => {
  let programs: Map<string, string>;
  [built, programs] = await Promise.all([buildFixture('bindgen-surface'), buildProgramFixture(join(repoRoot, 'test', 'fixtures', 'programs'))]);
  exitcodeWasm = programs.get('exitcode')!;
});

/** Module code that runs the `exitcode` program once on a V8Engine imported from `dir`. */
function runExitcodeProgram(dir: string, ext: string): string {
  const from = (file: string) => JSON.stringify(pathToFileURL(join(repoRoot, dir, 'programs', `${file}.${ext}`)).href);
  return (
    `import { readFileSync } from 'node:fs';` +
    `import { V8Engine } from ${from('v8-engine')};` +
    `import { inspectProgram } from ${from('inspect-program')};` +
    `import { normalizeOptions } from ${from('options')};` +
    `const bytes = readFileSync(${JSON.stringify(exitcodeWasm)});` +
    `const engine = new V8Engine({ threads: 1 });` +
    `const result = await engine.run(bytes, inspectProgram(bytes), normalizeOptions({ args: ['7'] }));` +
    `console.log('program exit code: ' + result.exitCode); await engine.close();`
  );
}

test('flags about the main script, the test runner, the watcher and the inspector are dropped; loaders kept', () => {
  assert.deepEqual(
    workerExecArgv(['--input-type=module', '-e', 'code', '--import', 'tsx', '--conditions=dev', '--enable-source-maps']),
    ['--import', 'tsx', '--conditions=dev', '--enable-source-maps'],
  );
  assert.deepEqual(workerExecArgv(['--input-type', 'module', '--eval', 'x', '--experimental-vm-modules']), ['--experimental-vm-modules']);
  assert.deepEqual(workerExecArgv(['-p', '1+1', '-r', './r.cjs']), ['-r', './r.cjs']);
  assert.deepEqual(
    workerExecArgv(['--test', '--test-reporter', 'tap', '--test-only', '--import=tsx', '--test-name-pattern=x', '--require', './r.cjs']),
    ['--import=tsx', '--require', './r.cjs'],
  );
  assert.deepEqual(workerExecArgv(['--watch', '--watch-path', 'src', '--inspect-brk=0', '--no-warnings']), ['--no-warnings']);
  // Per-process and V8 flags, which Node refuses in a worker's explicit execArgv, are dropped
  // (a Node 24 test runner's child carries them all).
  assert.deepEqual(workerExecArgv(['--test-isolation=process', '--node-snapshot', '--stack-trace-limit=10', '--v8-pool-size=4', '--import', 'tsx']), ['--import', 'tsx']);
  // Nothing main-only: Node's own inheritance is left alone.
  assert.equal(workerExecArgv(['--import', 'tsx', '--max-old-space-size=512']), undefined);
});

test('load() from `node --input-type=module -e` (the compiled package)', async () => {
  const runtime = pathToFileURL(join(repoRoot, 'dist', 'runtime', 'index.js')).href;
  const code =
    `import { load } from ${JSON.stringify(runtime)};` +
    `const api = await load(${JSON.stringify(built.pkgDir)}, { threads: 1 });` +
    `console.log('answer: ' + await api.greet('eval')); await api.$close();`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code]);
  assert.match(stdout, /answer: hello eval/);
});

test('load() from a file run by `node --test` and by `node --import tsx`', async () => {
  // This suite itself runs under `node --test`, which tells child runners to report to it.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const underTest = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'tap', probe], { cwd: repoRoot, env });
  assert.match(underTest.stdout, /probe answer: hello argv/);
  assert.match(underTest.stdout, /# pass 1/);
  const plain = await run(process.execPath, ['--import', 'tsx', probe], { cwd: repoRoot });
  assert.match(plain.stdout, /probe answer: hello argv/);
});

test('a program on the V8 engine from `node --input-type=module -e`, compiled and from source under tsx', async () => {
  const compiled = await run(process.execPath, ['--input-type=module', '-e', runExitcodeProgram('dist', 'js')]);
  assert.match(compiled.stdout, /program exit code: 7/);
  const fromSource = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', runExitcodeProgram('src', 'ts')], { cwd: repoRoot });
  assert.match(fromSource.stdout, /program exit code: 7/);
});
