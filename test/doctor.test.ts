// `offload doctor` and `offload setup` as a user sees them.
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_PACKAGES, DEBIAN_ROUTE_FILES } from '../src/build/toolchain.js';
import { repoRoot, runCli, suiteTempDir } from './helpers/cli.js';

const root = suiteTempDir('doctor');

/** A Debian prefix made of links to this machine's /usr, without the files in `leaveOut`. */
async function debianPrefixWithout(leaveOut: string[]): Promise<string> {
  const prefix = join(root.path, `prefix-without-${leaveOut.length}-${leaveOut.join('-').replaceAll('/', '_')}`);
  for (const file of DEBIAN_ROUTE_FILES) {
    if (leaveOut.includes(file.path)) continue;
    await mkdir(dirname(join(prefix, file.path)), { recursive: true });
    await symlink(join('/usr', file.path), join(prefix, file.path));
  }
  return prefix;
}

describe('offload doctor', () => {
  it('reports a working machine with exit code 0', async () => {
    const result = await runCli(['doctor']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /target wasm32-unknown-unknown\s+ok\s+via (rustup|debian)/);
    assert.match(result.stdout, /wasm-opt\s+ok\s+wasm-opt version \d+/);
    assert.match(result.stdout, /offload build can work on this machine/);
  });

  it('on a machine without a usable Rust route: names the missing piece and the command to run', async () => {
    // No rustup targets (pinned to the Debian route) and no Debian packages where it looks.
    const env = { OFFLOAD_RUST_ROUTE: 'debian', OFFLOAD_DEBIAN_PREFIX: join(repoRoot, 'no-such-prefix') };
    const result = await runCli(['doctor'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /target wasm32-unknown-unknown\s+MISSING\s+no route can build it\s+→ run: offload setup/);
    assert.match(result.stdout, /Debian rustc-web route\s+--\s+missing: \S+\/bin\/rustc \(rustc, package rustc-web\); /);
    assert.match(result.stdout, /bin\/rust-lld \(the wasm linker, package rust-web-llvm\)/);
    // Every package of the route, without Recommends, as offload setup installs them.
    assert.match(result.stdout, /→ run: apt-get install -y --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc\n/);
    assert.deepEqual([...DEBIAN_PACKAGES].sort(), ['cargo-web', 'lld-22', 'rust-web-llvm', 'rust-web-src', 'rustc-web', 'wasi-libc']);
    assert.match(result.stdout, /cannot work yet: run `offload setup`/);
  });

  it("names the package of the one file a Debian prefix lacks (rust-lld comes from rust-web-llvm, not lld)", async () => {
    // Today's rustc-web only recommends rust-web-llvm, so an install without Recommends lacks
    // just this link; the printed command must be the one that brings it.
    const prefix = await debianPrefixWithout(['bin/rust-lld']);
    const result = await runCli(['doctor'], { env: { OFFLOAD_RUST_ROUTE: 'debian', OFFLOAD_DEBIAN_PREFIX: prefix } });
    assert.equal(result.code, 1, result.stdout);
    const row = result.stdout.split('\n').find((line) => line.startsWith('Debian rustc-web route'));
    assert.equal(
      row?.replace(/\s+/g, ' '),
      `Debian rustc-web route -- missing: ${prefix}/bin/rust-lld (the wasm linker, package rust-web-llvm)` +
        ' → run: apt-get install -y --no-install-recommends rust-web-llvm',
    );
    assert.match(result.stdout, /target wasm32-unknown-unknown\s+MISSING\s+no route can build it/);
  });

  it('a prefix without WASI libc still builds libraries, and names wasi-libc for programs', async () => {
    const prefix = await debianPrefixWithout(['lib/wasm32-wasi/libc.a']);
    const result = await runCli(['doctor'], { env: { OFFLOAD_RUST_ROUTE: 'debian', OFFLOAD_DEBIAN_PREFIX: prefix } });
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /target wasm32-unknown-unknown\s+ok\s+via debian/);
    assert.match(result.stdout, /target wasm32-wasip1\s+--\s+no route can build it/);
    assert.match(result.stdout, /libc\.a \(WASI libc, package wasi-libc\)\s+→ run: apt-get install -y --no-install-recommends wasi-libc\n/);
  });

  it('build on such a machine fails with ERR_OFFLOAD_TOOLCHAIN_MISSING and the fix', async () => {
    const env = { OFFLOAD_RUST_ROUTE: 'debian', OFFLOAD_DEBIAN_PREFIX: join(repoRoot, 'no-such-prefix') };
    const result = await runCli(['build', join(repoRoot, 'examples', 'hello'), '--force'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_TOOLCHAIN_MISSING\]: No Rust toolchain here can build for wasm32-unknown-unknown/);
    assert.match(result.stderr, /offload setup/);
  });
});

describe('offload setup', () => {
  it('is idempotent: on a ready machine it only says so', async () => {
    const result = await runCli(['setup']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /✓ Rust toolchain ready/);
    assert.doesNotMatch(result.stderr, /apt-get/);
  });
});
