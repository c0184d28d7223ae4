// `offload build --relaxed-simd`: a second module built with +relaxed-simd ships beside the
// baseline under the same glue, offload.json lists both with the engine features each needs,
// and a crate whose twin would contain no relaxed-SIMD instruction ships only the baseline.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { relaxedSimdBuildable, rustcHasRelaxedIntrinsics } from '../src/build/relaxed-simd.js';
import { runDoctor } from '../src/build/doctor.js';
import { probeToolchain, routeFor, type Route } from '../src/build/toolchain.js';
import type { OffloadManifest } from '../src/package/manifest.js';
import { simdUse } from '../src/wasm/simd-use.js';
import { copyCrate, repoRoot, runCli, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

const root = suiteTempDir('relaxed-build');

async function manifestOf(pkgDir: string): Promise<OffloadManifest> {
  return JSON.parse(await readFile(join(pkgDir, 'offload.json'), 'utf8')) as OffloadManifest;
}

describe('offload build --relaxed-simd', () => {
  it('ships a relaxed-SIMD twin beside the baseline, with relaxed opcodes only in the twin', async () => {
    const crate = join(root.path, 'relaxed-simd');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'relaxed-simd'), crate);
    const result = await runCli(['build', crate, '--relaxed-simd', '--target-dir', sharedTargetDir]);
    assert.equal(result.code, 0, result.stderr);
    const pkgDir = join(crate, 'pkg');
    const manifest = await manifestOf(pkgDir);
    assert.equal(manifest.schema, 3);
    assert.equal(manifest.options.relaxedSimd, true);
    assert.deepEqual(
      manifest.artifacts.map((a) => [a.wasm, a.simd, a.engineFeatures]),
      [
        ['relaxed_simd_bg.wasm', 'simd128', ['simd128']],
        ['relaxed_simd_bg.relaxed.wasm', 'relaxed-simd', ['simd128', 'relaxed-simd']],
      ],
    );
    const baseline = simdUse(await readFile(join(pkgDir, 'relaxed_simd_bg.wasm')));
    const twin = simdUse(await readFile(join(pkgDir, 'relaxed_simd_bg.relaxed.wasm')));
    assert.ok(baseline.simd > 0, 'the baseline is a SIMD128 build');
    assert.equal(baseline.relaxed, 0, 'the baseline must validate on engines without relaxed SIMD');
    // mul_add and dot each use f32x4_relaxed_madd once.
    assert.ok(twin.relaxed >= 2, `the twin has ${twin.relaxed} relaxed-SIMD instructions`);
    assert.equal(WebAssembly.validate(await readFile(join(pkgDir, 'relaxed_simd_bg.wasm'))), true);

    const again = await runCli(['build', crate, '--relaxed-simd', '--target-dir', sharedTargetDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /is up to date/, 'an unchanged crate is not built twice over');
    const plain = await runCli(['build', crate, '--target-dir', sharedTargetDir]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual((await manifestOf(pkgDir)).artifacts.map((a) => a.simd), ['simd128'], 'a build without the flag drops the twin');
  });

  it('ships no twin for a crate without relaxed intrinsics, and says why', async () => {
    const crate = join(root.path, 'no-relaxed');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'build-simd'), crate);
    // Its own crate name: a cdylib's file in the shared target folder is named after it.
    const toml = join(crate, 'Cargo.toml');
    await writeFile(toml, (await readFile(toml, 'utf8')).replace('name = "build-simd"', 'name = "relaxed-none"'));
    const result = await runCli(['build', crate, '--relaxed-simd', '--target-dir', sharedTargetDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /uses no relaxed-SIMD instruction/);
    const manifest = await manifestOf(join(crate, 'pkg'));
    assert.equal(manifest.options.relaxedSimd, true);
    assert.deepEqual(manifest.artifacts.map((a) => a.wasm), ['relaxed_none_bg.wasm']);
  });

  it('refuses WASI programs and --no-simd', async () => {
    const wasi = await runCli(['build', join(repoRoot, 'test', 'fixtures', 'programs'), '--target', 'wasi', '--relaxed-simd', '--out-dir', join(root.path, 'never')]);
    assert.notEqual(wasi.code, 0);
    assert.match(wasi.stderr, /--relaxed-simd builds libraries/);
    const noSimd = await runCli(['build', join(repoRoot, 'test', 'fixtures', 'relaxed-simd'), '--no-simd', '--relaxed-simd', '--out-dir', join(root.path, 'never')]);
    assert.notEqual(noSimd.code, 0);
    assert.match(noSimd.stderr, /cannot be combined with --no-simd/);
  });
});

describe('which rustc can build relaxed SIMD', () => {
  it('needs Rust 1.82, whose core::arch::wasm32 has the relaxed intrinsics', async () => {
    assert.equal(rustcHasRelaxedIntrinsics('rustc 1.81.0 (eeb90cda1 2024-09-04)'), false);
    assert.equal(rustcHasRelaxedIntrinsics('rustc 1.82.0 (f6e511eec 2024-10-15)'), true);
    assert.equal(rustcHasRelaxedIntrinsics('rustc 2.0.0'), true);
    const route = routeFor(await probeToolchain(), 'wasm32-unknown-unknown');
    assert.ok(route, 'this machine builds wasm32-unknown-unknown');
    const old: Route = { ...route, rustcVersion: 'rustc 1.81.0 (eeb90cda1 2024-09-04)' };
    const check = await relaxedSimdBuildable(old);
    assert.equal(check.ok, false);
    assert.match(check.detail, /predates Rust 1\.82/);
    assert.ok(check.fix, 'the row says what to run');
  });

  it("doctor reports it for the route in use and for Debian's rustc-web", async () => {
    const row = (await runDoctor()).rows.find((r) => r.item === 'relaxed SIMD (--relaxed-simd)');
    assert.ok(row, 'doctor has a relaxed SIMD row');
    assert.equal(row.ok, true, `this machine should build relaxed SIMD: ${row.detail}`);
    assert.match(row.detail, /Debian route|via debian/);
  });
});

describe('counting relaxed-SIMD instructions', () => {
  it('decodes instructions rather than searching bytes: relaxed opcodes inside a v128.const are not counted', () => {
    // (func (result v128) v128.const <fd 85 02 ...> f32x4.relaxed_madd-free body), one body.
    const immediate = [0xfd, 0x85, 0x02, 0xfd, 0x85, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const body = [0x00, 0xfd, 0x0c, ...immediate, 0x0b];
    const bytes = Uint8Array.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
      0x03, 0x02, 0x01, 0x00,
      0x0a, body.length + 2, 0x01, body.length, ...body,
    ]);
    assert.equal(WebAssembly.validate(bytes), true, 'the hand-made module is valid');
    assert.deepEqual(simdUse(bytes), { simd: 1, relaxed: 0 });
  });
});
