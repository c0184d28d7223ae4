// The README's commands on a machine without rustup: with rustup's folder off PATH and no
// route pinned, offload finds Debian's rustc-web route by itself, and setup, doctor, a
// library build called from JavaScript and a WASI program built and run all work on it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import type { OffloadManifest } from '../src/package/manifest.js';
import { copyCrate, loadGlue, repoRoot, runCli, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

/** PATH without any folder that holds rustup (and rustup's cargo and rustc proxies beside it). */
const pathWithoutRustup = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir && !existsSync(join(dir, 'rustup')))
  .join(delimiter);

const noRustup: NodeJS.ProcessEnv = {
  PATH: pathWithoutRustup,
  // Unset (spawn drops undefined values): the machine alone decides the route.
  OFFLOAD_RUST_ROUTE: undefined,
  RUSTUP_TOOLCHAIN: undefined,
  RUSTC: undefined,
};

/** Shared with test/routes.test.ts: std compiled from Debian's source is reused, not rebuilt. */
const debianTargetDir = `${sharedTargetDir}-debian`;

const root = suiteTempDir('fresh-machine');

describe('a machine without rustup takes the Debian route end to end', () => {
  it('the test really hides rustup', () => {
    assert.ok(!pathWithoutRustup.split(delimiter).some((dir) => existsSync(join(dir, 'rustup'))));
    assert.ok(existsSync('/usr/bin/cargo'), "Debian's cargo-web is installed by scripts/setup.sh");
  });

  it('offload setup (what npm start runs) exits 0 and says the Debian route is ready', async () => {
    const result = await runCli(['setup'], { env: noRustup });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /✓ Rust toolchain ready: wasm32-unknown-unknown via debian, wasm32-wasip1 via debian/);
  });

  it('offload doctor finds no rustup, both targets via debian, and a host cargo', async () => {
    const result = await runCli(['doctor'], { env: noRustup });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /rustup route\s+--\s+rustup not found/);
    assert.match(result.stdout, /Debian rustc-web route\s+ok\s+rustc \d+\.\d+/);
    assert.match(result.stdout, /target wasm32-unknown-unknown\s+ok\s+via debian/);
    assert.match(result.stdout, /target wasm32-wasip1\s+ok\s+via debian/);
    assert.match(result.stdout, /host cargo\s+ok\s+/);
  });

  it('offload build examples/hello builds with Debian rustc, and say() answers', async () => {
    const crate = join(root.path, 'hello');
    await copyCrate(join(repoRoot, 'examples', 'hello'), crate);
    const result = await runCli(['build', crate, '--target-dir', debianTargetDir], { env: noRustup });
    assert.equal(result.code, 0, result.stderr);
    const manifest = JSON.parse(await readFile(join(crate, 'pkg', 'offload.json'), 'utf8')) as OffloadManifest;
    assert.equal(manifest.toolchain.route, 'debian');
    assert.match(manifest.toolchain.rustc, /built from a source tarball|rustc \d/);
    const glue = await loadGlue<{ say: (s: string) => string }>(join(crate, 'pkg'), 'hello', 'fresh-machine');
    assert.equal(glue.say('World'), 'hello World');
  });

  it('offload build --target wasi builds a program with Debian rustc and wasi-libc, and offload run runs it', async () => {
    const crate = join(root.path, 'shout');
    await mkdir(join(crate, 'src'), { recursive: true });
    await writeFile(
      join(crate, 'Cargo.toml'),
      '[package]\nname = "shout"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n',
    );
    await writeFile(
      join(crate, 'src', 'main.rs'),
      'fn main() {\n    let words: Vec<String> = std::env::args().skip(1).map(|w| w.to_uppercase()).collect();\n    println!("{}", words.join(" "));\n}\n',
    );
    const built = await runCli(['build', '--target', 'wasi', crate, '--target-dir', debianTargetDir], { env: noRustup });
    assert.equal(built.code, 0, built.stderr);
    const manifest = JSON.parse(await readFile(join(crate, 'pkg', 'offload.json'), 'utf8')) as OffloadManifest;
    assert.equal(manifest.toolchain.route, 'debian');
    const ran = await runCli(['run', join(crate, 'pkg', 'shout.wasm'), '--', 'fresh', 'machine'], { env: noRustup });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, 'FRESH MACHINE\n');
  });
});
