// Every way `offload build` refuses its input: a typed code and a message that says the fix.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copyCrate, repoRoot, runCli, suiteTempDir } from './helpers/cli.js';

const root = suiteTempDir('bad-input');

async function crateWith(name: string, cargoToml: string, files: Record<string, string>): Promise<string> {
  const dir = join(root.path, name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'Cargo.toml'), cargoToml);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

const lib = 'use wasm_bindgen::prelude::*;\n#[wasm_bindgen]\npub fn one() -> u32 { 1 }\n';

describe('offload build refuses bad input with a fix', () => {
  it('a folder without Cargo.toml', async () => {
    const dir = join(root.path, 'empty');
    await mkdir(dir);
    const result = await runCli(['build', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_NOT_A_CRATE\]: .*no Cargo\.toml/);
    assert.match(result.stderr, /offload new/);
  });

  it('a workspace root instead of a member crate', async () => {
    const dir = await crateWith('ws', '[workspace]\nmembers = ["a"]\n', {});
    const result = await runCli(['build', dir]);
    assert.match(result.stderr, /ERR_OFFLOAD_NOT_A_CRATE.*workspace root/s);
  });

  it('a library without crate-type cdylib', async () => {
    const dir = await crateWith(
      'nocdylib',
      '[package]\nname = "nocdylib"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\nwasm-bindgen = "0.2"\n',
      { 'src/lib.rs': lib },
    );
    const result = await runCli(['build', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_NOT_CDYLIB\]/);
    assert.match(result.stderr, /crate-type = \["cdylib", "rlib"\]/);
  });

  it('a library without the wasm-bindgen dependency', async () => {
    const dir = await crateWith(
      'nobindgen',
      '[package]\nname = "nobindgen"\nversion = "0.1.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n',
      { 'src/lib.rs': 'pub fn one() -> u32 { 1 }\n' },
    );
    const result = await runCli(['build', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_NO_WASM_BINDGEN\]/);
    assert.match(result.stderr, /wasm-bindgen = "0\.2"/);
  });

  it('a binary crate points to --target wasi', async () => {
    const dir = await crateWith('prog', '[package]\nname = "prog"\nversion = "0.1.0"\nedition = "2021"\n', {
      'src/main.rs': 'fn main() { println!("hi"); }\n',
    });
    const result = await runCli(['build', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_WRONG_CRATE_KIND\]: prog is a binary crate/);
    assert.match(result.stderr, /--target wasi/);
  });

  it('a library given to --target wasi points back to the library build', async () => {
    const dir = join(root.path, 'hello-as-program');
    await copyCrate(join(repoRoot, 'examples', 'hello'), dir);
    const result = await runCli(['build', dir, '--target', 'wasi']);
    assert.match(result.stderr, /ERR_OFFLOAD_WRONG_CRATE_KIND.*no binary/s);
  });

  it('a target folder that cannot be written', async () => {
    const dir = join(root.path, 'unwritable');
    await copyCrate(join(repoRoot, 'examples', 'hello'), dir);
    // A regular file where the folder should be: refused even for root, unlike chmod.
    const blocker = join(root.path, 'not-a-folder');
    await writeFile(blocker, 'x');
    const result = await runCli(['build', dir, '--target-dir', join(blocker, 'target')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_UNWRITABLE\]: Cannot write the cargo target folder/);
    assert.match(result.stderr, /--target-dir/);
  });

  it('an unknown --target', async () => {
    const result = await runCli(['build', '.', '--target', 'browser']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--target must be "library" or "wasi"/);
  });
});
