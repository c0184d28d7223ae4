// `offload new` gives a crate that builds at once, whose Rust test passes and whose
// TypeScript file calls it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { installsPanicHook } from '../src/build/panic-hook.js';
import { copyCrate, repoRoot, runCli, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

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
    assert.match(toml, /console_error_panic_hook = "0\.1"/);
    assert.match(await readFile(join(crate, 'src', 'lib.rs'), 'utf8'), /#\[wasm_bindgen\(start\)\]\s+fn start\(\) \{\s+console_error_panic_hook::set_once\(\);/);

    const built = await runCli(['build', crate]);
    assert.equal(built.code, 0, built.stderr);
    assert.doesNotMatch(built.stderr, /panic hook/, 'a scaffolded crate installs its panic hook');

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

const noHookWarning = /⚠ (\S+) installs no panic hook: a Rust panic reaches JavaScript as a bare `unreachable`, so offload can only say "panic message unavailable"\. To get the message and its location, add to Cargo\.toml\n {4}console_error_panic_hook = "0\.1"\nand to src\/lib\.rs\n {4}#\[wasm_bindgen\(start\)\]\n {4}fn start\(\) \{ console_error_panic_hook::set_once\(\); \}/;

describe('offload build and panic hooks', () => {
  it('warns about a crate without console_error_panic_hook, with the one-line fix', async () => {
    const crate = join(root.path, 'no-panic-hook');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'no-panic-hook'), crate);
    const built = await runCli(['build', crate]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(noHookWarning.exec(built.stderr)?.[1], 'no-panic-hook', built.stderr);
  });

  it('warns when the crate depends on the hook but never installs it (as the wasm-pack template does)', async () => {
    // The scaffolded crate with its start function taken out: the dependency alone does nothing.
    const crate = join(root.path, 'my-kernels');
    const libRs = join(crate, 'src', 'lib.rs');
    const source = await readFile(libRs, 'utf8');
    await writeFile(libRs, source.replace(/#\[wasm_bindgen\(start\)\][^}]+\}/, ''));
    assert.match(await readFile(join(crate, 'Cargo.toml'), 'utf8'), /console_error_panic_hook/);
    const built = await runCli(['build', crate]);
    await writeFile(libRs, source);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(noHookWarning.exec(built.stderr)?.[1], 'my-kernels', built.stderr);
  });

  it('without function names in the wasm (strip = true), reads the lockfile and the sources instead', async () => {
    // A module with no name section: only the crate itself can say whether it installs the hook.
    const stripped = join(root.path, 'stripped.wasm');
    await writeFile(stripped, Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', name);
    const withHook = fixture('runtime-faults');
    const withoutHook = fixture('no-panic-hook');
    assert.equal(await installsPanicHook({ dir: withHook, lockfile: join(withHook, 'Cargo.lock'), cargoWasm: stripped }), true);
    assert.equal(await installsPanicHook({ dir: withoutHook, lockfile: join(withoutHook, 'Cargo.lock'), cargoWasm: stripped }), false);
  });
});
