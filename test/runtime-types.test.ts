// The proxy's types come from the package's own .d.ts: tsc accepts correct calls and rejects
// a wrong argument type. Runs the real compiler on test/types/*.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { buildFixture } from './helpers/build-fixture.js';

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const typesDir = fileURLToPath(new URL('./types/', import.meta.url));

async function typecheck(file: string): Promise<{ code: number; output: string }> {
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--types', 'node', '--skipLibCheck', '--lib', 'es2022,esnext.disposable,dom', file];
  try {
    const { stdout } = await run(process.execPath, args, { cwd: typesDir });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

before(async () => {
  // The .d.ts files the types are derived from.
  await buildFixture('runtime-basic');
  await buildFixture('bindgen-surface');
});

test('correct calls type-check, and every marked misuse is a type error', async () => {
  const result = await typecheck('good.ts');
  assert.equal(result.code, 0, result.output);
});

test('the whole wasm-bindgen surface: enums, async, callbacks, getters, setters; each misuse a type error', async () => {
  const result = await typecheck('surface.ts');
  assert.equal(result.code, 0, result.output);
});

test('a wrong argument type fails tsc at the call site', async () => {
  const result = await typecheck('bad.ts');
  assert.notEqual(result.code, 0);
  assert.match(result.output, /bad\.ts\(7,\d+\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
});
