// `import { load } from 'offload'` must stay light: the runtime only, without the HTTP server
// or the TypeScript compiler. Each other part has its own entry point.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { repoRoot } from './helpers/cli.js';

const run = promisify(execFile);

/** Imports a specifier the way a user's project does and lists the packages that got loaded. */
async function packagesLoadedBy(specifier: string): Promise<{ exports: string[]; packages: string[] }> {
  const code =
    `import { createRequire } from 'node:module';` +
    `const m = await import(${JSON.stringify(specifier)});` +
    // Every module a process has loaded, ESM and CommonJS alike, shows in the resolution caches.
    `const loaded = [...Object.keys(createRequire(import.meta.url).cache)];` +
    `console.log(JSON.stringify({ exports: Object.keys(m).sort(), packages: [...new Set(loaded.map((f) => (/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f) ?? [])[1]).filter(Boolean))] }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot });
  return JSON.parse(stdout) as { exports: string[]; packages: string[] };
}

test("'offload' is the runtime, and loads no Fastify, prom-client or TypeScript", async () => {
  const { exports, packages } = await packagesLoadedBy('offload');
  for (const name of ['load', 'transfer', 'OffloadError', 'OffloadTrapError', 'OffloadQueueTimeoutError']) assert.ok(exports.includes(name), name);
  for (const name of ['serve', 'buildPackage', 'runProgram']) assert.ok(!exports.includes(name), `${name} is not in the runtime entry`);
  for (const heavy of ['fastify', 'prom-client', 'typescript', '@fastify/swagger']) assert.ok(!packages.includes(heavy), `${heavy} was loaded`);
});

test('offload/programs, offload/server and offload/build each export their part', async () => {
  assert.ok((await packagesLoadedBy('offload/programs')).exports.includes('runProgram'));
  const server = await packagesLoadedBy('offload/server');
  assert.ok(server.exports.includes('serve'));
  assert.ok(server.packages.includes('fastify'), 'the check sees what an entry loads');
  const build = await packagesLoadedBy('offload/build');
  assert.ok(build.exports.includes('buildPackage') && build.exports.includes('runDoctor'));
});
