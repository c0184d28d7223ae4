// /metrics exports the runtime's own per-function numbers ($metrics()): after real calls over
// HTTP (a success, a guest error, a trap, a timeout), the scraped counters and histograms equal
// what the runtime counted, in Prometheus's units and shape; and a reload does not make them
// go backwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serve, type OffloadServer } from '../src/server/index.js';
import { buildCrate, get, post } from './helpers/serve-client.js';

const PKG = 'serve-api';

let server: OffloadServer;

before(async () => {
  const pkg = await buildCrate('test/fixtures/serve-api');
  server = await serve([pkg], { port: 0, logger: false, defaults: { threads: 1, timeoutMs: 1_000 } });
  for (const args of [[1, 2], [3, 4], [5, 6]]) assert.equal((await post(server.url, '/serve-api/add', args)).status, 200);
  assert.equal((await post(server.url, '/serve-api/add', ['not a number'])).status, 400, 'rejected before it reaches the runtime');
  assert.equal((await post(server.url, '/serve-api/parse_port', ['x'])).status, 422);
  assert.equal((await post(server.url, '/serve-api/panic_with', ['counted'])).status, 500);
  assert.equal((await post(server.url, '/serve-api/spin', [])).status, 504);
});
after(() => server.close());

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample in Prometheus's text format, with its labels parsed. */
function parse(text: string): Series[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `not a Prometheus sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
      return { name: match[1]!, labels, value: match[3] === '+Inf' ? Infinity : Number(match[3]) };
    });
}

async function scrape(): Promise<{ text: string; series: Series[] }> {
  const answer = await get(server.url, '/metrics');
  assert.equal(answer.status, 200);
  return { text: answer.text, series: parse(answer.text) };
}

function value(series: Series[], name: string, labels: Record<string, string>): number | undefined {
  const found = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} names more than one series`);
  return found[0]?.value;
}

function runtimeFunctions() {
  const snapshot = server.packages[0]!.metrics();
  assert.ok(snapshot, 'the package is loaded');
  return snapshot.functions;
}

describe('the runtime numbers in /metrics', () => {
  test('calls, failures by code, timeouts and traps equal $metrics()', async () => {
    const { series } = await scrape();
    const functions = runtimeFunctions();
    assert.equal(functions.add?.calls, 3, 'the request the server turned away (400) is not a call');
    for (const [fn, counted] of Object.entries(functions)) {
      const labels = { package: PKG, function: fn };
      assert.equal(value(series, 'offload_calls_total', labels), counted.calls, fn);
      assert.equal(value(series, 'offload_timeouts_total', labels), counted.errors.ERR_OFFLOAD_TIMEOUT ?? 0, fn);
      assert.equal(value(series, 'offload_traps_total', labels), counted.errors.ERR_OFFLOAD_TRAP ?? 0, fn);
      for (const [code, count] of Object.entries(counted.errors)) {
        assert.equal(value(series, 'offload_call_failures_total', { ...labels, code }), count, `${fn} ${code}`);
      }
    }
    assert.equal(value(series, 'offload_timeouts_total', { package: PKG, function: 'spin' }), 1);
    assert.equal(value(series, 'offload_traps_total', { package: PKG, function: 'panic_with' }), 1);
    assert.equal(value(series, 'offload_call_failures_total', { package: PKG, function: 'parse_port', code: 'ERR_OFFLOAD_GUEST_ERROR' }), 1);
    assert.equal(
      series.filter((s) => s.name === 'offload_call_failures_total' && s.labels.function === 'add').length,
      0,
      'an argument rejected by the HTTP schema is not a failed call',
    );
  });

  for (const [metricName, field] of [['offload_call_run_seconds', 'run'], ['offload_call_queue_wait_seconds', 'queueWait']] as const) {
    test(`${metricName} is a Prometheus histogram in seconds equal to $metrics()'s ${field}`, async () => {
      const { text, series } = await scrape();
      assert.match(text, new RegExp(`^# TYPE ${metricName} histogram$`, 'm'));
      const counted = runtimeFunctions().add![field];
      const labels = { package: PKG, function: 'add' };
      assert.equal(counted.count, 3);
      assert.equal(value(series, `${metricName}_count`, labels), counted.count);
      assert.equal(value(series, `${metricName}_sum`, labels), counted.sumMs / 1000);
      const buckets = series.filter((s) => s.name === `${metricName}_bucket` && s.labels.function === 'add');
      assert.deepEqual(
        buckets.map((b) => ({ le: b.labels.le === '+Inf' ? Infinity : Number(b.labels.le), count: b.value })),
        counted.buckets.map((b) => ({ le: b.le / 1000, count: b.count })),
        'cumulative `le` buckets, milliseconds turned into seconds',
      );
      assert.equal(buckets.at(-1)?.labels.le, '+Inf');
      assert.equal(buckets.at(-1)?.value, counted.count, 'the +Inf bucket holds every call');
    });
  }

  test('offload_package_info names the SIMD variant that runs, as $metrics() does', async () => {
    const { text, series } = await scrape();
    assert.match(text, /^# TYPE offload_package_info gauge$/m);
    const info = series.filter((s) => s.name === 'offload_package_info' && s.labels.package === PKG);
    assert.equal(info.length, 1, 'one series per package');
    assert.equal(info[0]!.value, 1);
    assert.equal(info[0]!.labels.simd_variant, server.packages[0]!.metrics()?.simdVariant);
    assert.equal(info[0]!.labels.simd_variant, 'simd128', 'the fixture is built with the default SIMD128 and no relaxed twin');
  });

  test('the HTTP request counter stays a count of requests by status', async () => {
    const { series } = await scrape();
    assert.equal(value(series, 'offload_http_requests_total', { package: PKG, function: 'add', status: '200' }), 3);
    assert.equal(value(series, 'offload_http_requests_total', { package: PKG, function: 'add', status: '400' }), 1);
    assert.equal(value(series, 'offload_http_requests_total', { package: PKG, function: 'spin', status: '504' }), 1);
  });
});

describe('across a reload', () => {
  test('counters carry over to the new build: they never go backwards, and keep counting', async () => {
    const hosted = server.packages[0]!;
    const before = await scrape();
    const addCalls = value(before.series, 'offload_calls_total', { package: PKG, function: 'add' })!;
    const spinTimeouts = value(before.series, 'offload_timeouts_total', { package: PKG, function: 'spin' })!;
    const runCount = value(before.series, 'offload_call_run_seconds_count', { package: PKG, function: 'add' })!;
    await hosted.reload();
    assert.equal(hosted.generation, 2);
    assert.equal(runtimeFunctions().add, undefined, 'the new build starts its own $metrics() from zero');

    const reloaded = await scrape();
    assert.equal(value(reloaded.series, 'offload_calls_total', { package: PKG, function: 'add' }), addCalls);
    assert.equal(value(reloaded.series, 'offload_timeouts_total', { package: PKG, function: 'spin' }), spinTimeouts);
    assert.equal(value(reloaded.series, 'offload_call_run_seconds_count', { package: PKG, function: 'add' }), runCount);

    assert.equal((await post(server.url, '/serve-api/add', [7, 8])).json, 15);
    const after = await scrape();
    assert.equal(value(after.series, 'offload_calls_total', { package: PKG, function: 'add' }), addCalls + 1);
    assert.equal(value(after.series, 'offload_call_run_seconds_count', { package: PKG, function: 'add' }), runCount + 1);
    assert.equal(
      after.series.filter((s) => s.name === 'offload_calls_total' && s.labels.function === 'add').length,
      1,
      'one series per function, not one per build',
    );
  });
});
