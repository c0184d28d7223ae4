// `offload doctor` and `offload setup` as a user sees them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, runCli } from './helpers/cli.js';

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
    assert.match(result.stdout, /Debian rustc-web route\s+--\s+missing: rustc-web, cargo-web, rust-web-src, lld, wasi-libc/);
    assert.match(result.stdout, /apt-get install -y rustc-web cargo-web rust-web-src lld-22 wasi-libc/);
    assert.match(result.stdout, /cannot work yet: run `offload setup`/);
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
