// Every fault a guest or a load can cause, provoked over HTTP: the status and body the client
// sees, and that the server keeps answering afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serve, type OffloadServer } from '../src/server/index.js';
import { buildCrate, get, metric, post, waitFor } from './helpers/serve-client.js';

let server: OffloadServer;
let url: string;

before(async () => {
  const pkg = await buildCrate('test/fixtures/serve-api');
  // One thread and room for one waiting call, so a third call while two are in is turned away.
  // (Not maxQueue 0: right after a trap the replacement thread is starting, and a call that
  // must wait for it would be turned away too.)
  // Waiting for a thread is bounded separately below; here a queued call may wait out a spin.
  server = await serve([pkg], { port: 0, logger: false, defaults: { threads: 1, timeoutMs: 1_000, queueTimeoutMs: 60_000, memoryLimitMb: 32, maxQueue: 1 } });
  url = server.url;
});
after(() => server.close());

async function stillServing(): Promise<void> {
  assert.equal((await post(url, '/serve-api/add', [2, 3])).json, 5);
  assert.equal((await get(url, '/healthz')).status, 200);
  assert.equal((await get(url, '/readyz')).status, 200);
}

function body(json: unknown): Record<string, unknown> {
  return json as Record<string, unknown>;
}

describe('faults map to status codes', () => {
  test('a Rust panic: 500 ERR_OFFLOAD_TRAP with the panic message and no host stack', async () => {
    const answer = await post(url, '/serve-api/panic_with', ['no thanks']);
    assert.equal(answer.status, 500);
    assert.equal(body(answer.json).code, 'ERR_OFFLOAD_TRAP');
    assert.equal(body(answer.json).panicMessage, 'guest refused: no thanks');
    assert.match(String(body(answer.json).message), /Rust panicked: guest refused: no thanks/);
    assert.deepEqual(Object.keys(body(answer.json)).sort(), ['code', 'function', 'message', 'panicMessage', 'statusCode']);
    assert.doesNotMatch(answer.text, /node_modules|\/src\/runtime|\bat .*\.(ts|js):\d+/);
    await stillServing();
  });

  test('an endless loop: 504 ERR_OFFLOAD_TIMEOUT', async () => {
    const answer = await post(url, '/serve-api/spin', []);
    assert.equal(answer.status, 504);
    assert.equal(body(answer.json).code, 'ERR_OFFLOAD_TIMEOUT');
    assert.match(String(body(answer.json).message), /spin did not finish within 1000 ms/);
    await stillServing();
  });

  test('the memory cap: 500 with its own code, ERR_OFFLOAD_MEMORY', async () => {
    const answer = await post(url, '/serve-api/hoard', []);
    assert.equal(answer.status, 500);
    assert.equal(body(answer.json).code, 'ERR_OFFLOAD_MEMORY');
    assert.match(String(body(answer.json).message), /32\.0 MiB/);
    await stillServing();
  });

  test('a full queue: 503 ERR_OFFLOAD_QUEUE_FULL with Retry-After', async () => {
    const busy = post(url, '/serve-api/spin', []);
    await waitFor(async () => metric((await get(url, '/metrics')).text, 'offload_running_calls{package="serve-api"}') === 1);
    const waiting = post(url, '/serve-api/add', [1, 1]);
    // The only thread is taken and the one waiting place is filled: nowhere left for a third.
    await waitFor(async () => metric((await get(url, '/metrics')).text, 'offload_queue_depth{package="serve-api"}') === 1);
    const rejected = await post(url, '/serve-api/add', [1, 1]);
    assert.equal(rejected.status, 503);
    assert.equal(rejected.headers.get('retry-after'), '1');
    assert.equal(body(rejected.json).code, 'ERR_OFFLOAD_QUEUE_FULL');
    assert.equal((await busy).status, 504);
    assert.equal((await waiting).json, 2);
    await stillServing();
  });

  test('timeouts and traps are counted in /metrics', async () => {
    const text = (await get(url, '/metrics')).text;
    assert.ok((metric(text, 'offload_timeouts_total{package="serve-api",function="spin"}') ?? 0) >= 2);
    assert.ok((metric(text, 'offload_traps_total{package="serve-api",function="panic_with"}') ?? 0) >= 1);
    assert.ok((metric(text, 'offload_call_failures_total{package="serve-api",function="hoard",code="ERR_OFFLOAD_MEMORY"}') ?? 0) >= 1);
  });
});

describe('time spent waiting for a thread is bounded', () => {
  test('a call that waited longer than queueTimeoutMs: 503 ERR_OFFLOAD_QUEUE_TIMEOUT with Retry-After', async () => {
    // Behind a spin that holds the only thread for its whole 3 s timeout, the queued call is
    // refused once it has waited 300 ms, rather than run late.
    const bounded = await serve([server.packages[0]!.files.dir], { port: 0, logger: false, defaults: { threads: 1, timeoutMs: 3_000, queueTimeoutMs: 300 } });
    try {
      const busy = post(bounded.url, '/serve-api/spin', []);
      await waitFor(async () => metric((await get(bounded.url, '/metrics')).text, 'offload_running_calls{package="serve-api"}') === 1);
      const queued = await post(bounded.url, '/serve-api/add', [1, 1]);
      assert.equal(queued.status, 503, queued.text);
      assert.equal(queued.headers.get('retry-after'), '1');
      assert.equal(body(queued.json).code, 'ERR_OFFLOAD_QUEUE_TIMEOUT');
      assert.equal((await busy).status, 504);
      assert.equal((await post(bounded.url, '/serve-api/add', [1, 1])).json, 2, 'a call that finds a free thread runs');
    } finally {
      await bounded.close();
    }
  });
});

describe('a burst of mixed faults', () => {
  test('every request is answered with its own status, and the server is healthy after', async () => {
    const fresh = await serve([server.packages[0]!.files.dir], {
      port: 0,
      logger: false,
      // 40 calls on 2 threads with 300 ms spins: queued ones wait longer than one timeout.
      defaults: { threads: 2, timeoutMs: 300, queueTimeoutMs: 60_000, maxQueue: 1_000 },
    });
    try {
      const kinds: [string, unknown, number][] = [
        ['/serve-api/add', [1, 2], 200],
        ['/serve-api/panic_with', ['burst'], 500],
        ['/serve-api/spin', [], 504],
        ['/serve-api/add', ['bad'], 400],
        ['/serve-api/parse_port', ['x'], 422],
      ];
      const calls = Array.from({ length: 40 }, (_, i) => kinds[i % kinds.length]!);
      const answers = await Promise.all(calls.map(([route, args]) => post(fresh.url, route, args)));
      answers.forEach((answer, i) => assert.equal(answer.status, calls[i]![2], `${calls[i]![0]} answered ${answer.status}: ${answer.text}`));
      assert.equal((await post(fresh.url, '/serve-api/add', [20, 22])).json, 42);
      assert.equal((await get(fresh.url, '/readyz')).status, 200);
    } finally {
      await fresh.close();
    }
  });
});
