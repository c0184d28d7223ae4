// --watch: a new build is swapped in the way `offload build` does it (pkg/ renamed aside, the
// new folder renamed in) while a long call runs on the old build. The long call finishes on
// the old build, new calls go to the new one, and no call fails across the swap.
import assert from 'node:assert/strict';
import { cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { serve, type OffloadServer } from '../src/server/index.js';
import { buildPackage } from '../src/build/build.js';
import { copyCrate, repoRoot, sharedTargetDir, tempDir } from './helpers/cli.js';
import { get, metric, post, waitFor } from './helpers/serve-client.js';

let v1: string;
let v2: string;
let scratch: { path: string; remove: () => Promise<void> };
let server: OffloadServer | undefined;

/**
 * Two builds of one crate, as a user makes them by editing and running `offload build` again.
 * They live in a fixed cache folder so later runs skip both builds. Each copy is written just
 * before its build: the two share cargo's fingerprint (same crate name, shared target dir),
 * so v2's sources must be newer than v1's build for cargo to see the change.
 */
async function buildVersion(version: string): Promise<string> {
  const crate = path.join(homedir(), '.cache', 'offload', 'serve-watch-test', version);
  await copyCrate(path.join(repoRoot, 'test', 'fixtures', 'serve-reload'), crate);
  const lib = path.join(crate, 'src', 'lib.rs');
  await writeFile(lib, (await readFile(lib, 'utf8')).replace('const VERSION: &str = "v1";', `const VERSION: &str = "${version}";`));
  const quiet = { step: () => ({ done: () => undefined, fail: () => undefined }), info: () => undefined };
  return (await buildPackage(crate, { targetDir: sharedTargetDir, reporter: quiet })).pkgDir;
}

before(async () => {
  v1 = await buildVersion('v1');
  v2 = await buildVersion('v2');
  scratch = await tempDir('serve-watch');
});
after(async () => {
  await server?.close();
  await scratch.remove();
});

test('a rebuild is picked up; in-flight calls finish on the old build; nothing fails', async () => {
  const pkgDir = path.join(scratch.path, 'pkg');
  await cp(v1, pkgDir, { recursive: true });
  server = await serve([pkgDir], { port: 0, logger: false, watch: true, defaults: { threads: 2 } });
  const { url } = server;
  assert.equal((await post(url, '/serve-reload/version', [])).json, 'v1');

  const slow = post(url, '/serve-reload/slow_version', [60_000_000]);
  await waitFor(async () => metric((await get(url, '/metrics')).text, 'offload_running_calls{package="serve-reload"}') === 1);

  // Keep calling through the swap: every call must succeed, on one build or the other.
  let swapped = false;
  const during: Promise<unknown>[] = [];
  const traffic = (async () => {
    while (!swapped) {
      const answer = await post(url, '/serve-reload/version', []);
      assert.equal(answer.status, 200, answer.text);
      during.push(Promise.resolve(answer.json));
    }
  })();

  const staging = `${pkgDir}.staging`;
  await cp(v2, staging, { recursive: true });
  await rename(pkgDir, `${pkgDir}.old`);
  await rename(staging, pkgDir);
  await rm(`${pkgDir}.old`, { recursive: true });

  await waitFor(async () => metric((await get(url, '/metrics')).text, 'offload_package_generation{package="serve-reload"}') === 2);
  swapped = true;
  await traffic;

  assert.equal((await post(url, '/serve-reload/version', [])).json, 'v2');
  const old = await slow;
  assert.equal(old.status, 200);
  assert.equal(old.json, 'v1', 'the call that was running when the build changed finished on the old build');
  const versions = new Set(await Promise.all(during));
  for (const version of versions) assert.ok(version === 'v1' || version === 'v2');
  assert.equal((await get(url, '/readyz')).status, 200);
});
