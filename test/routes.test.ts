// Both ways of getting a wasm toolchain build a working package: Debian's rustc-web (std
// compiled from source) and rustup's prebuilt targets.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { OffloadManifest } from '../src/package/manifest.js';
import { probeToolchain } from '../src/build/toolchain.js';
import { copyCrate, loadGlue, repoRoot, runCli, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

const root = suiteTempDir('routes');

async function buildWith(route: 'debian' | 'rustup'): Promise<void> {
  const crate = join(root.path, `hello-${route}`);
  await copyCrate(join(repoRoot, 'examples', 'hello'), crate);
  // Each route keeps its own target folder across runs: their std builds differ.
  const result = await runCli(['build', crate, '--target-dir', `${sharedTargetDir}-${route}`], {
    env: { OFFLOAD_RUST_ROUTE: route },
  });
  assert.equal(result.code, 0, result.stderr);
  const manifest = JSON.parse(await readFile(join(crate, 'pkg', 'offload.json'), 'utf8')) as OffloadManifest;
  assert.equal(manifest.toolchain.route, route);
  const glue = await loadGlue<{ say: (s: string) => string }>(join(crate, 'pkg'), 'hello', route);
  assert.equal(glue.say('World'), 'hello World');
}

describe('toolchain routes', () => {
  it("Debian's rustc-web builds std from source and the package works", async () => {
    await buildWith('debian');
  });

  it("rustup's prebuilt target builds a package that works", async (t) => {
    const probe = await probeToolchain();
    if (!probe.rustup.targets.includes('wasm32-unknown-unknown')) {
      // Where rustup cannot download targets (no access to its host) this route does not exist.
      t.skip('rustup has no wasm32-unknown-unknown target on this machine (offload setup --route rustup failed)');
      return;
    }
    await buildWith('rustup');
  });
});
