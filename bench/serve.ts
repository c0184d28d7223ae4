// offload serve under load, against the same computation in pure JS inside a plain Fastify
// handler, on loopback. Each server runs in its own process (so autocannon's work does not
// show up as the server's event-loop lag), and measures its own event-loop delay.
//
//   node --import tsx bench/serve.ts [--duration 10] [--connections 16]
//
// Then a fault run: a share of requests panic, time out or send bad input; every answer's
// status is checked, dropped connections are counted, and the server must be healthy after.

import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { buildPackage } from '../src/build/build.js';
import { load } from '../src/runtime/index.js';
import { exitOnSignals, serve } from '../src/server/index.js';
import { NGINX, startNginx } from '../test/helpers/serve-nginx.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const kernelCrate = path.join(here, 'serve-kernel');
const MAX_ITER = 256;
const TARGET_MS = 5;

/** The same loop as bench/serve-kernel/src/lib.rs, in JavaScript. */
function mandelbrotJs(size: number, maxIter: number): number {
  let total = 0;
  const step = 3 / size;
  for (let py = 0; py < size; py++) {
    const ci = -1.5 + py * step;
    for (let px = 0; px < size; px++) {
      const cr = -2 + px * step;
      let zr = 0;
      let zi = 0;
      let n = 0;
      while (n < maxIter && zr * zr + zi * zi <= 4) {
        const t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        n++;
      }
      total = (total + n) >>> 0;
    }
  }
  return total;
}

// ---- server side (a child process) ----

/** 'replica': one of two behind nginx, with one thread each (the same two threads in all). */
type Role = 'offload' | 'js' | 'faults' | 'replica';

async function runServer(role: Role, pkgDir: string): Promise<void> {
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  let url: string;
  if (role === 'js') {
    const app = Fastify({ logger: false });
    app.post('/serve-kernel/mandelbrot', async (request) => {
      const [size, maxIter] = request.body as [number, number];
      return mandelbrotJs(size, maxIter);
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  } else {
    const limits = role === 'faults' ? { threads: 2, timeoutMs: 250 } : role === 'replica' ? { threads: 1 } : { threads: 2 };
    const server = await serve([pkgDir], { port: 0, logger: false, defaults: limits });
    // The driver stops this process with SIGTERM; shutting down cleanly removes its snapshot folder.
    exitOnSignals(server, 5_000);
    url = server.url;
  }
  process.on('message', (message: string) => {
    if (message === 'reset') lag.reset();
    if (message === 'read') process.send?.({ lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 });
  });
  process.send?.({ url });
}

// ---- driver ----

interface ServerHandle {
  child: ChildProcess;
  url: string;
  ask(message: string): Promise<{ lagP99Ms: number; lagMaxMs: number }>;
}

async function startServer(role: Role, pkgDir: string): Promise<ServerHandle> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', role, '--pkg', pkgDir], { execArgv: ['--import', 'tsx'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
  return {
    child,
    url,
    ask: (message) =>
      new Promise((resolve) => {
        child.once('message', resolve as (m: unknown) => void);
        child.send(message);
      }),
  };
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  lagP99Ms: number;
  non2xx: number;
  errors: number;
}

/** Load on `base` (a server, or nginx in front of `servers`); loop lag is the worst server's. */
async function measure(servers: ServerHandle[], body: string, duration: number, connections: number, base = servers[0]!.url): Promise<LoadResult> {
  const options = { url: `${base}/serve-kernel/mandelbrot`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, connections };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, worker start, connection set-up
  for (const server of servers) server.child.send('reset');
  const result = await autocannon({ ...options, duration });
  const lags = await Promise.all(servers.map((server) => server.ask('read')));
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    lagP99Ms: Math.max(...lags.map((lag) => lag.lagP99Ms)),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Scale-out: Debian's nginx in front of two replicas (docs/deploy/nginx.conf), against one. */
async function scaleOutRow(pkgDir: string, body: string, duration: number, connections: number): Promise<LoadResult | undefined> {
  if (!existsSync(NGINX)) {
    console.log(`
scale-out row skipped: nginx is missing at ${NGINX} (bash scripts/install-nginx.sh)`);
    return undefined;
  }
  const replicas = [await startServer('replica', pkgDir), await startServer('replica', pkgDir)];
  const nginxDir = await mkdtemp(path.join(tmpdir(), 'offload-bench-nginx-'));
  const nginx = await startNginx(nginxDir, replicas.map((r) => Number(new URL(r.url).port)));
  try {
    return await measure(replicas, body, duration, connections, nginx.url);
  } finally {
    await nginx.stop();
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await rm(nginxDir, { recursive: true, force: true });
  }
}

/** The kernel's export, written out so the bench type-checks before serve-kernel is built. */
interface ServeKernel {
  mandelbrot(size: number, maxIter: number): number;
}

async function calibrate(pkgDir: string): Promise<number> {
  const kernel = await load<ServeKernel>(pkgDir, { mode: 'inline' });
  let size = 32;
  for (;;) {
    await kernel.mandelbrot(size, MAX_ITER);
    const start = performance.now();
    const rounds = 20;
    for (let i = 0; i < rounds; i++) await kernel.mandelbrot(size, MAX_ITER);
    const ms = (performance.now() - start) / rounds;
    if (ms >= TARGET_MS || size > 4096) {
      await kernel.$close();
      return size;
    }
    size = Math.ceil(size * Math.sqrt(TARGET_MS / Math.max(ms, 0.05)) * 1.02);
  }
}

function normalCall(url: string, size: number): Promise<Response> {
  return fetch(`${url}/serve-kernel/mandelbrot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([size, MAX_ITER]) });
}

async function faultRun(pkgDir: string, size: number, duration: number, connections: number): Promise<boolean> {
  const server = await startServer('faults', pkgDir);
  const kinds = [
    { name: 'ok', body: [size, MAX_ITER], status: 200 },
    { name: 'ok', body: [size, MAX_ITER], status: 200 },
    { name: 'panic', route: 'fail', body: ['on purpose'], status: 500 },
    { name: 'ok', body: [size, MAX_ITER], status: 200 },
    { name: 'bad input', body: ['not a number', MAX_ITER], status: 400 },
    { name: 'ok', body: [size, MAX_ITER], status: 200 },
    { name: 'timeout', route: 'spin', body: [], status: 504 },
    { name: 'ok', body: [size, MAX_ITER], status: 200 },
  ];
  // 503 with Retry-After is a right answer for any request: calls that waited longer than
  // queueTimeoutMs (the timeout, 250 ms) for a thread are shed rather than served late.
  const tally = new Map<string, { sent: number; right: number; shed: number; wrong: Map<number, number> }>();
  const result = await autocannon({
    url: server.url,
    connections,
    duration,
    requests: kinds.map((kind) => ({
      method: 'POST' as const,
      path: `/serve-kernel/${kind.route ?? 'mandelbrot'}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(kind.body),
      onResponse: (status: number, _body: string, _context: object, headers: IncomingHttpHeaders | undefined) => {
        const entry = tally.get(kind.name) ?? { sent: 0, right: 0, shed: 0, wrong: new Map<number, number>() };
        entry.sent++;
        if (status === kind.status) entry.right++;
        else if (status === 503 && Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'retry-after')) entry.shed++;
        else entry.wrong.set(status, (entry.wrong.get(status) ?? 0) + 1);
        tally.set(kind.name, entry);
      },
    })),
  });
  const health = await fetch(`${server.url}/healthz`);
  const ready = await fetch(`${server.url}/readyz`);
  // The client's cut-off requests still run on the server (timeouts among them, 250 ms each), so
  // a call made at once may be shed; healthy means it is served once that backlog has drained,
  // retried as its Retry-After says.
  const afterStarted = performance.now();
  let after = await normalCall(server.url, size);
  let attempts = 1;
  while (after.status === 503 && performance.now() - afterStarted < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, Number(after.headers.get('retry-after') ?? 1) * 1000));
    after = await normalCall(server.url, size);
    attempts++;
  }
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  server.child.kill('SIGTERM');

  console.log(`\nfault run: ${connections} connections, ${duration} s; 1 in 8 panics, 1 in 8 times out (250 ms), 1 in 8 is bad input; calls that wait over 250 ms for a thread are shed (503, Retry-After)`);
  let allRight = true;
  for (const [name, entry] of tally) {
    const expected = kinds.find((k) => k.name === name)?.status;
    const wrong = [...entry.wrong].map(([status, n]) => `${n}× ${status}`).join(', ');
    if (entry.wrong.size > 0) allRight = false;
    console.log(`  ${name.padEnd(10)} answered ${String(entry.sent).padStart(6)}, with ${expected}: ${String(entry.right).padStart(6)}, shed with 503: ${String(entry.shed).padStart(5)}${wrong ? `  WRONG: ${wrong}` : ''}`);
  }
  const dropped = result.errors + result.timeouts;
  const answered = [...tally.values()].reduce((n, e) => n + e.sent, 0);
  // autocannon stops at the deadline with one request per connection still in flight; those
  // are cut by the client, not dropped by the server.
  console.log(`  requests sent ${result.requests.sent}, answered ${answered}, cut by the client at the deadline ${result.requests.sent - answered}`);
  console.log(`  dropped connections / socket errors: ${result.errors}, client timeouts: ${result.timeouts}`);
  // One series per package and function: the totals are their sums.
  const total = (metric: string): number => [...metrics.matchAll(new RegExp(`^${metric}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  console.log(`  server counted: ${total('offload_traps_total')} traps, ${total('offload_timeouts_total')} timeouts`);
  const healthy = health.status === 200 && ready.status === 200 && after.status === 200;
  console.log(`  afterwards: /healthz ${health.status}, /readyz ${ready.status}, a normal call ${after.status} (attempt ${attempts}, ${Math.round(performance.now() - afterStarted)} ms after the load stopped)`);
  const ok = allRight && dropped === 0 && healthy;
  console.log(`  => ${ok ? 'PASS' : 'FAIL'}: every request answered with the right status, no dropped connections, healthy after`);
  return ok;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const duration = flag('duration', 10);
  const connections = flag('connections', 16);
  const quiet = { step: () => ({ done: () => undefined, fail: () => undefined }), info: () => undefined };
  const { pkgDir } = await buildPackage(kernelCrate, { targetDir: path.join(homedir(), '.cache', 'offload', 'test-target'), reporter: quiet });

  const size = await calibrate(pkgDir);
  const jsStart = performance.now();
  for (let i = 0; i < 20; i++) mandelbrotJs(size, MAX_ITER);
  const jsMs = (performance.now() - jsStart) / 20;
  console.log(`kernel: mandelbrot ${size}x${size}, ${MAX_ITER} iterations max: about ${TARGET_MS} ms in Rust/wasm, ${jsMs.toFixed(1)} ms in JS (one call, one thread)`);
  console.log(`load: autocannon on loopback, ${connections} connections, ${duration} s per server (after a 2 s warm-up); ${2} cores\n`);

  const body = JSON.stringify([size, MAX_ITER]);
  // A 1x1 picture: the call itself is trivial, so HTTP and the call path are the whole cost.
  const trivialBody = JSON.stringify([1, 1]);
  const results: Record<string, LoadResult> = {};
  for (const role of ['js', 'offload'] as const) {
    const server = await startServer(role, pkgDir);
    results[role] = await measure([server], body, duration, connections);
    results[`${role} trivial`] = await measure([server], trivialBody, duration, connections);
    server.child.kill('SIGTERM');
  }
  const js = results.js!;
  const off = results.offload!;
  const row = (name: string, r: LoadResult): string =>
    `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${r.lagP99Ms.toFixed(1).padStart(12)} ${String(r.non2xx + r.errors).padStart(7)}`;
  console.log(`${'server'.padEnd(28)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'loop lag p99'.padStart(12)} ${'failed'.padStart(7)}`);
  console.log(row('pure JS in a Fastify handler', js));
  console.log(row('offload serve (2 threads)', off));
  console.log(row('pure JS, trivial call', results['js trivial']!));
  console.log(row('offload serve, trivial call', results['offload trivial']!));
  const scaled = await scaleOutRow(pkgDir, body, duration, connections);
  if (scaled) {
    console.log(row('nginx → 2 replicas (1 thread)', scaled));
    console.log(
      `\nscale-out (nginx + 2 replicas / 1 replica, same 2 worker threads): req/s ${(scaled.rps / off.rps).toFixed(2)}x, ` +
        `p99 ${(scaled.p99 / off.p99).toFixed(2)}x, failed ${scaled.non2xx + scaled.errors} vs ${off.non2xx + off.errors}`,
    );
  }
  const ratio = off.rps / js.rps;
  console.log(`\nratios (offload / pure JS): req/s ${ratio.toFixed(2)}x, p50 ${(off.p50 / js.p50).toFixed(2)}x, p99 ${(off.p99 / js.p99).toFixed(2)}x, loop lag p99 ${(off.lagP99Ms / js.lagP99Ms).toFixed(3)}x`);
  console.log(`trivial call (mandelbrot 1x1; HTTP and the call path are the cost): offload / pure JS req/s ${(results['offload trivial']!.rps / results['js trivial']!.rps).toFixed(2)}x`);
  console.log(`goal: req/s >= 1.8x pure JS: ${ratio >= 1.8 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`);
  console.log(`goal: event-loop lag p99 < 10 ms while loaded: ${off.lagP99Ms < 10 ? 'met' : 'NOT met'} (${off.lagP99Ms.toFixed(1)} ms)`);

  const faultsOk = await faultRun(pkgDir, size, Math.max(5, Math.round(duration / 2)), connections);
  process.exitCode = faultsOk ? 0 : 1;
}

const roleIndex = process.argv.indexOf('--role');
if (roleIndex >= 0) {
  await runServer(process.argv[roleIndex + 1] as Role, process.argv[process.argv.indexOf('--pkg') + 1]!);
} else {
  await main();
}
