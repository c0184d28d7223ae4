// Build options and toolchain pinning that users rely on: SIMD on/off, and a crate locked to
// a wasm-bindgen other than the newest, which needs the CLI of exactly that version.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { OffloadManifest } from '../src/package/manifest.js';
import { copyCrate, loadGlue, repoRoot, runCli, suiteTempDir } from './helpers/cli.js';

const root = suiteTempDir('options');

describe('SIMD128', () => {
  it('is on by default and off with --no-simd', async () => {
    const crate = join(root.path, 'simd');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'build-simd'), crate);
    type Simd = { simd_enabled: () => boolean; add4: (a: Float32Array, b: Float32Array) => Float32Array };

    const on = await runCli(['build', crate]);
    assert.equal(on.code, 0, on.stderr);
    const withSimd = await loadGlue<Simd>(join(crate, 'pkg'), 'build_simd', 'on');
    assert.equal(withSimd.simd_enabled(), true);
    assert.deepEqual([...withSimd.add4(new Float32Array([1, 2, 3, 4]), new Float32Array([10, 20, 30, 40]))], [11, 22, 33, 44]);

    // Its own target folder: std compiled without SIMD must not evict the shared SIMD build.
    const off = await runCli(['build', crate, '--no-simd', '--target-dir', join(root.path, 'target-nosimd')]);
    assert.equal(off.code, 0, off.stderr);
    const withoutSimd = await loadGlue<Simd>(join(crate, 'pkg'), 'build_simd', 'off');
    assert.equal(withoutSimd.simd_enabled(), false);
    assert.deepEqual([...withoutSimd.add4(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1, 1, 1]))], [2, 3, 4, 5]);
    const manifest = JSON.parse(await readFile(join(crate, 'pkg', 'offload.json'), 'utf8')) as OffloadManifest;
    assert.equal(manifest.options.simd, false);
  });
});

describe('a crate pinned to another wasm-bindgen version', () => {
  it('gets the matching wasm-bindgen-cli installed and used', async () => {
    const crate = join(root.path, 'pinned');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'build-pinned'), crate);
    const result = await runCli(['build', crate]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /wasm-bindgen 0\.2\.100 --target web/);
    const manifest = JSON.parse(await readFile(join(crate, 'pkg', 'offload.json'), 'utf8')) as OffloadManifest;
    assert.equal(manifest.toolchain.wasmBindgen, '0.2.100');
    const glue = await loadGlue<{ triple: (x: number) => number }>(join(crate, 'pkg'), 'build_pinned');
    assert.equal(glue.triple(14), 42);

    const doctor = await runCli(['doctor']);
    assert.match(doctor.stdout, /wasm-bindgen-cli\s+ok\s+cached: .*0\.2\.100/);
  });
});

describe('two crates with the same name sharing one cargo target folder', () => {
  it("each package gets its own crate's code, not the other's cdylib", async () => {
    const targetDir = join(root.path, 'shared-target');
    const makeTwin = async (folder: string, answer: number) => {
      const crate = join(root.path, folder, 'twin');
      await copyCrate(join(repoRoot, 'test', 'fixtures', 'build-pinned'), crate);
      const toml = await readFile(join(crate, 'Cargo.toml'), 'utf8');
      await writeFile(join(crate, 'Cargo.toml'), toml.replace('name = "build-pinned"', 'name = "twin"').replace('=0.2.100', '=0.2.130'));
      await rm(join(crate, 'Cargo.lock'), { force: true });
      await writeFile(
        join(crate, 'src', 'lib.rs'),
        `use wasm_bindgen::prelude::*;\n#[wasm_bindgen]\npub fn answer() -> u32 { ${answer} }\n`,
      );
      return crate;
    };
    const first = await makeTwin('a', 1);
    const second = await makeTwin('b', 2);
    for (const crate of [first, second]) {
      const built = await runCli(['build', crate, '--target-dir', targetDir]);
      assert.equal(built.code, 0, built.stderr);
    }
    // The first crate is unchanged and the shared cdylib file was last written by the second.
    const again = await runCli(['build', first, '--target-dir', targetDir, '--force']);
    assert.equal(again.code, 0, again.stderr);
    const glue = await loadGlue<{ answer: () => number }>(join(first, 'pkg'), 'twin', 'again');
    assert.equal(glue.answer(), 1);
  });
});
