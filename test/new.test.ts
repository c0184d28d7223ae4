// `offload new` gives a crate that builds at once, whose Rust test passes and whose
// TypeScript file calls it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

const root = suiteTempDir('new');

describe('offload new', () => {
  it('scaffolds a crate that offload build accepts, and its TypeScript calls the result', async () => {
    const created = await runCli(['new', 'my-kernels'], { cwd: root.path });
    assert.equal(created.code, 0, created.stderr);
    const crate = join(root.path, 'my-kernels');
    const toml = await readFile(join(crate, 'Cargo.toml'), 'utf8');
    assert.match(toml, /crate-type = \["cdylib", "rlib"\]/);
    assert.match(toml, /wasm-bindgen = "0\.2"/);
    assert.match(toml, /\[profile\.release\]/);

    const built = await runCli(['build', crate]);
    assert.equal(built.code, 0, built.stderr);

    // The TypeScript file runs as written, importing the built glue next to it.
    // tsx comes from offload's own node_modules: the scaffold folder has none installed.
    const ts = await run(process.execPath, ['--import', import.meta.resolve('tsx'), 'index.ts'], crate);
    assert.equal(ts.code, 0, ts.out);
    assert.deepEqual(ts.out.trim().split('\n'), ['Hello, World!', '6.5']);
  });

  it("ships a Rust unit test that passes with cargo test", async () => {
    const crate = join(root.path, 'my-kernels');
    const result = await run('cargo', ['test', '--quiet'], crate, { CARGO_TARGET_DIR: join(sharedTargetDir, 'host') });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /test result: ok\. 2 passed/);
  });

  it('refuses a name cargo would refuse, and a folder that is not empty', async () => {
    const bad = await runCli(['new', '9lives'], { cwd: root.path });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error\[ERR_OFFLOAD_INVALID_NAME\]: "9lives" cannot be a crate name/);
    await mkdir(join(root.path, 'taken'));
    await writeFile(join(root.path, 'taken', 'x'), '');
    const taken = await runCli(['new', 'taken'], { cwd: root.path });
    assert.match(taken.stderr, /already exists and is not empty/);
  });
});
