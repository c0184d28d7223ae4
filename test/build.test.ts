// `offload build` end to end: real cargo, real wasm-bindgen, real wasm-opt.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OffloadManifest } from '../src/package/manifest.js';
import { copyCrate, loadGlue, repoRoot, runCli, tempDir } from './helpers/cli.js';

async function readManifest(pkgDir: string): Promise<OffloadManifest> {
  return JSON.parse(await readFile(join(pkgDir, 'offload.json'), 'utf8')) as OffloadManifest;
}

describe('offload build on the hello crate, in a fresh folder', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let crate: string;
  let pkg: string;
  // Its own cargo target folder: this copy is also called `hello`, and its "hi" build would
  // otherwise replace the hello.wasm that builds of examples/hello read from the shared one.
  let targetDir: string;

  before(async () => {
    dir = await tempDir('hello');
    crate = join(dir.path, 'hello');
    pkg = join(crate, 'pkg');
    targetDir = join(dir.path, 'target');
    await copyCrate(join(repoRoot, 'examples', 'hello'), crate);
  });
  after(() => dir.remove());

  it('writes wasm-pack layout whose glue returns "hello World"', async () => {
    const result = await runCli(['build', crate, '--target-dir', targetDir]);
    assert.equal(result.code, 0, result.stderr);
    for (const file of ['hello.js', 'hello.d.ts', 'hello_bg.wasm', 'package.json', 'offload.json']) {
      assert.ok((await stat(join(pkg, file))).isFile(), `${file} is written`);
    }
    const glue = await loadGlue<{ say: (s: string) => string }>(pkg, 'hello');
    assert.equal(glue.say('World'), 'hello World');
    assert.match(result.stderr, /› cargo build/, 'long steps announce themselves');
    assert.match(result.stderr, /✓ wasm-opt -O3/);
  });

  it('records exports, sizes, hash and toolchain in offload.json', async () => {
    const manifest = await readManifest(pkg);
    assert.equal(manifest.kind, 'library');
    assert.deepEqual(
      manifest.exports?.map((e) => e.name),
      ['say'],
    );
    const say = manifest.exports?.[0];
    assert.ok(say?.kind === 'function');
    assert.deepEqual(say.params, [{ name: 's', type: 'string', optional: false }]);
    assert.equal(say.returns, 'string');
    const [artifact] = manifest.artifacts;
    assert.ok(artifact);
    assert.ok(artifact.bytesAfterOpt < artifact.bytesBeforeOpt, 'wasm-opt shrank the module');
    assert.equal(artifact.bytesAfterOpt, (await stat(join(pkg, 'hello_bg.wasm'))).size);
    assert.match(artifact.sha256, /^[0-9a-f]{64}$/);
    assert.equal(manifest.toolchain.wasmBindgen, '0.2.130');
    assert.deepEqual(manifest.options, { simd: true, optLevel: 'speed' });
    const pkgJson = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkgJson.main, 'hello.js');
    assert.equal(pkgJson.types, 'hello.d.ts');
  });

  it('skips all work when nothing changed, and rebuilds when a source changes', async () => {
    const again = await runCli(['build', crate, '--target-dir', targetDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /up to date/);
    assert.doesNotMatch(again.stderr, /cargo build/);

    // A file rustc never reads (TypeScript beside the crate, as `offload new` makes) is no input.
    await writeFile(join(crate, 'index.ts'), 'console.log(1);\n');
    const unrelated = await runCli(['build', crate, '--target-dir', targetDir]);
    assert.match(unrelated.stderr, /up to date/);
    assert.deepEqual(
      (await readManifest(pkg)).inputs,
      ['Cargo.lock', 'Cargo.toml', 'src/lib.rs'],
      'the inputs are what rustc read, from cargo dep-info, plus the manifests',
    );

    const lib = join(crate, 'src', 'lib.rs');
    await writeFile(lib, (await readFile(lib, 'utf8')).replace('push_str("hello ")', 'push_str("hi ")'));
    const changed = await runCli(['build', crate, '--target-dir', targetDir]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stderr, /› cargo build/);
    const glue = await loadGlue<{ say: (s: string) => string }>(pkg, 'hello', 'rebuilt');
    assert.equal(glue.say('World'), 'hi World');
  });

  it('--opt-size runs wasm-opt -Oz and records it', async () => {
    const result = await runCli(['build', crate, '--opt-size', '--target-dir', targetDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /wasm-opt -Oz/);
    assert.equal((await readManifest(pkg)).options.optLevel, 'size');
  });
});

describe('offload build shows Rust compile errors as cargo prints them', () => {
  it('exits non-zero with the compiler message', async () => {
    const dir = await tempDir('broken');
    try {
      const crate = join(dir.path, 'broken');
      await copyCrate(join(repoRoot, 'examples', 'hello'), crate);
      await writeFile(
        join(crate, 'src', 'lib.rs'),
        'use wasm_bindgen::prelude::*;\n#[wasm_bindgen]\npub fn answer() -> u32 { "forty-two" }\n',
      );
      const result = await runCli(['build', crate]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /error\[E0308\]: mismatched types/);
      assert.match(result.stderr, /error\[ERR_OFFLOAD_COMPILE\]/);
    } finally {
      await dir.remove();
    }
  });
});
