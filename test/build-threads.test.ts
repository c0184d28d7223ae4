// `offload build --threads`: a crate written as wasm-bindgen-rayon documents it builds into a
// package with a shared memory, whose rayon worker script Node can load (docs/parallel.md).
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runDoctor } from '../src/build/doctor.js';
import { pointRayonSnippetsAtGlue } from '../src/build/rayon-snippet.js';
import type { OffloadManifest } from '../src/package/manifest.js';
import { readMemoryLimits } from '../src/wasm/memory-limits.js';
import { load } from '../src/runtime/index.js';
import { copyCrate, repoRoot, runCli, suiteTempDir } from './helpers/cli.js';

const root = suiteTempDir('threads-build');
// Its own cargo target folder: std rebuilt with atomics must not evict the shared SIMD build.
const threadsTargetDir = join(homedir(), '.cache', 'offload', 'threads-target');

async function rayonSnippets(pkgDir: string): Promise<string[]> {
  const entries = await readdir(join(pkgDir, 'snippets'), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name === 'workerHelpers.js').map((e) => join(e.parentPath, e.name));
}

describe('offload build --threads', () => {
  it('builds a wasm-bindgen-rayon crate into a package with a shared memory that Node can load', async () => {
    const crate = join(root.path, 'threads-rayon');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'threads-rayon'), crate);
    const result = await runCli(['build', crate, '--threads', '--target-dir', threadsTargetDir]);
    assert.equal(result.code, 0, `offload build --threads failed (does \`offload doctor\` say threads can be built?):\n${result.stderr}`);

    const pkgDir = join(crate, 'pkg');
    const manifest = JSON.parse(await readFile(join(pkgDir, 'offload.json'), 'utf8')) as OffloadManifest;
    assert.equal(manifest.options.threads, true);

    const memory = readMemoryLimits(await readFile(join(pkgDir, 'threads_rayon_bg.wasm')));
    assert.ok(memory, 'the module has a memory');
    assert.equal(memory.imported, true, 'each thread must be handed the same memory, so it is imported');
    assert.equal(memory.shared, true);
    assert.equal(memory.max, 16384, 'a shared memory needs a maximum: 1 GiB');

    const snippets = await rayonSnippets(pkgDir);
    assert.equal(snippets.length, 1);
    const snippet = await readFile(snippets[0]!, 'utf8');
    assert.doesNotMatch(snippet, /import\('\.\.\/\.\.\/\.\.'\)/, 'the directory import Node refuses is gone');
    const target = /import\('([^']+)'\)/.exec(snippet)?.[1];
    assert.ok(target, 'the worker script still imports the package');
    assert.equal(resolve(dirname(snippets[0]!), target), join(pkgDir, 'threads_rayon.js'));
  });

  it("builds on Debian's rustc-web route too, into a package whose rayon work runs on its threads", async () => {
    const crate = join(root.path, 'threads-rayon-debian');
    await copyCrate(join(repoRoot, 'test', 'fixtures', 'threads-rayon'), crate);
    const result = await runCli(['build', crate, '--threads', '--target-dir', `${threadsTargetDir}-debian`], { env: { OFFLOAD_RUST_ROUTE: 'debian' } });
    assert.equal(result.code, 0, `offload build --threads on the Debian route failed:\n${result.stderr}`);
    const manifest = JSON.parse(await readFile(join(crate, 'pkg', 'offload.json'), 'utf8')) as OffloadManifest;
    assert.equal(manifest.toolchain.route, 'debian');
    assert.equal(manifest.options.threads, true);
    type Threads = { par_sum_squares(n: number): number; seq_sum_squares(n: number): number; threads_in_par_iter(): number };
    const api = await load<Threads>(join(crate, 'pkg'), { threadsPerInstance: 2 });
    try {
      assert.equal(await api.par_sum_squares(100_003), await api.seq_sum_squares(100_003));
      assert.equal(await api.threads_in_par_iter(), 2);
    } finally {
      await api.$close();
    }
  });

  it('refuses WASI programs, which have no helper threads', async () => {
    const result = await runCli(['build', join(repoRoot, 'test', 'fixtures', 'programs'), '--target', 'wasi', '--threads', '--out-dir', join(root.path, 'never')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--threads builds libraries/);
  });
});

describe('the rayon worker script rewrite', () => {
  it('fails the build, naming the file, when wasm-bindgen-rayon no longer imports the package the known way', async () => {
    const pkgDir = join(root.path, 'unknown-snippet');
    const dir = join(pkgDir, 'snippets', 'wasm-bindgen-rayon-0123456789abcdef', 'src');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'workerHelpers.js'), "const pkg = await import('../../../some-other-layout.js');\n");
    await assert.rejects(pointRayonSnippetsAtGlue(pkgDir, 'glue.js'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_OFFLOAD_COMPILE');
      assert.match(error.message, /workerHelpers\.js/);
      return true;
    });
  });
});

describe('offload doctor', () => {
  it('says whether this machine can build --threads', async () => {
    const report = await runDoctor();
    const row = report.rows.find((r) => r.item === 'threads (--threads)');
    assert.ok(row, 'doctor has a threads row');
    assert.equal(row.ok, true, `this machine should build threads: ${row.detail}; fix: ${row.fix}`);
  });
});
