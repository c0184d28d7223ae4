// `offload serve` as a process: JSON logs, --config, and graceful shutdown on SIGTERM/SIGINT
// with a call in flight (it is answered, then the process exits 0).
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, tempDir } from './helpers/cli.js';
import { buildCrate, get, metric, post, readyUrl, waitFor } from './helpers/serve-client.js';

// The real `offload` binary, as users run it.
const entry = path.join(repoRoot, 'dist', 'cli', 'main.js');
let helloPkg: string;
let apiPkg: string;
let scratch: { path: string; remove: () => Promise<void> };

before(async () => {
  helloPkg = await buildCrate('examples/hello');
  apiPkg = await buildCrate('test/fixtures/serve-api');
  scratch = await tempDir('serve-cli');
});
after(() => scratch.remove());

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts the CLI and reads the URL from its "ready" log line. */
async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [entry, 'serve', '--port', '0', ...args], { cwd: repoRoot });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = await readyUrl(child.stdout, exited, () => stderr, (record) => logs.push(record));
  return { child, url, logs, exited, stderr: () => stderr };
}

test('every export that is not served is named at start-up, with why, on stderr and in the JSON log', async () => {
  const server = await start([apiPkg]);
  try {
    // Printed once serve() returns, which is just after the ready line.
    await waitFor(() => server.stderr().includes('call_back'));
    assert.match(server.stderr(), /offload serve: serve-api\.Tally is not served: a class keeps its state in one instance/);
    assert.match(server.stderr(), /offload serve: serve-api\.call_back is not served: Function values cannot travel over HTTP/);
    const logged = server.logs.filter((r) => r.level === 40 && typeof r.export === 'string').map((r) => r.export);
    assert.deepEqual(logged.sort(), ['Tally', 'call_back']);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});

test('serves a package, logs JSON lines, and exits 0 on SIGTERM after answering the call in flight', async () => {
  const server = await start([apiPkg, helloPkg, '--threads', '1', '--shutdown-timeout-ms', '120000']);
  assert.equal((await post(server.url, '/hello/say', ['World'])).json, 'hello World');
  for (const record of server.logs) assert.equal(typeof record.level, 'number', 'pino writes numeric levels in JSON');
  assert.ok(server.logs.some((r) => r.msg === 'package loaded' && r.package === 'hello'));

  const inFlight = post(server.url, '/serve-api/work', [100_000_000]);
  await waitFor(async () => metric((await get(server.url, '/metrics')).text, 'offload_running_calls{package="serve-api"}') === 1);
  server.child.kill('SIGTERM');
  const answer = await inFlight;
  assert.equal(answer.status, 200, answer.text);
  assert.equal(typeof answer.json, 'number');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  await assert.rejects(fetch(`${server.url}/healthz`), 'no longer accepting connections');
});

test('SIGINT shuts down the same way', async () => {
  const server = await start([helloPkg]);
  server.child.kill('SIGINT');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
});

test('--config sets per-package limits; flags override them', async () => {
  const config = path.join(scratch.path, 'serve.json');
  await writeFile(
    config,
    JSON.stringify({ defaults: { timeoutMs: 60_000 }, packages: { api: { path: apiPkg, timeoutMs: 300, maxQueue: 5, threads: 1 } } }),
  );
  const server = await start(['--config', config]);
  try {
    const answer = await post(server.url, '/serve-api/spin', []);
    assert.equal(answer.status, 504);
    assert.match(String((answer.json as { message: string }).message), /within 300 ms/);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  const overridden = await start(['--config', config, '--timeout-ms', '200']);
  try {
    const answer = await post(overridden.url, '/serve-api/spin', []);
    assert.match(String((answer.json as { message: string }).message), /within 200 ms/);
  } finally {
    overridden.child.kill('SIGTERM');
    await overridden.exited;
  }
});

test('a package that was never built: exit 1 with a message that says what to run', async () => {
  const child = spawn(process.execPath, [entry, 'serve', '--port', '0', path.join(scratch.path, 'nothing-here')], { cwd: repoRoot });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /error\[ERR_OFFLOAD_LOAD\]: no package at .*Run `offload build <crate>` first/);
});

test('the starter app (examples/hello/app.ts) calls say through the runtime', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'examples', 'hello', 'app.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const match = /listening on (http:\/\/localhost:\d+)\//.exec(chunk);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`app.ts exited with ${code}`)));
  });
  const response = await fetch(`${url}/?name=World`);
  assert.equal(await response.text(), 'hello World');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
