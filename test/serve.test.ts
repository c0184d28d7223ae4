// offload serve, as an HTTP client sees it: routes from the .d.ts, every way to pass
// arguments, the validation messages, the OpenAPI document and the operations endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serve, type OffloadServer } from '../src/server/index.js';
import { buildCrate, get, metric, post } from './helpers/serve-client.js';

let server: OffloadServer;
let url: string;

before(async () => {
  const api = await buildCrate('test/fixtures/serve-api');
  const hello = await buildCrate('examples/hello');
  server = await serve([api, hello], { port: 0, logger: false, defaults: { threads: 1, bodyLimitMb: 0.25 } });
  url = server.url;
});
after(() => server.close());

describe('the starter through the whole stack', () => {
  test('POST /hello/say with ["World"] answers "hello World"', async () => {
    const answer = await post(url, '/hello/say', ['World']);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(answer.json, 'hello World');
  });

  test('named arguments work the same', async () => {
    assert.equal((await post(url, '/hello/say', { s: 'World' })).json, 'hello World');
  });
});

describe('arguments and results of every kind', () => {
  test('numbers, booleans, void', async () => {
    assert.equal((await post(url, '/serve-api/add', [1.5, 2])).json, 3.5);
    assert.equal((await post(url, '/serve-api/is_even', { n: 7 })).json, false);
    const none = await post(url, '/serve-api/nothing');
    assert.equal(none.status, 204, 'a function returning () answers with no body');
    assert.equal(none.text, '');
  });

  test('an optional argument may be left out, or sent as null', async () => {
    assert.equal((await post(url, '/serve-api/greet', ['Ann'])).json, 'hello Ann');
    assert.equal((await post(url, '/serve-api/greet', ['Ann', null])).json, 'hello Ann');
    assert.equal((await post(url, '/serve-api/greet', { name: 'Ann', punctuation: '!' })).json, 'hello Ann!');
  });

  test('bigints travel as decimal strings beyond 2^53', async () => {
    const answer = await post(url, '/serve-api/mul_big', ['12345678901234567', 10]);
    assert.equal(answer.status, 200);
    assert.equal(answer.json, '123456789012345670');
  });

  test('typed arrays in as JSON arrays, out as JSON arrays', async () => {
    assert.deepEqual((await post(url, '/serve-api/scale', [[1, 2.5], 2])).json, [2, 5]);
  });

  test('a single bytes parameter as a raw octet-stream body', async () => {
    const answer = await post(url, '/serve-api/checksum', new Uint8Array([1, 2, 3, 250]), 'application/octet-stream');
    assert.equal(answer.status, 200);
    assert.equal(answer.json, 256);
    assert.equal((await post(url, '/serve-api/checksum', [[1, 2, 3]])).json, 6);
  });

  test('raw bytes with the other arguments in the query string; bytes come back as octet-stream', async () => {
    const answer = await post(url, '/serve-api/xor_bytes?key=255', new Uint8Array([0, 1, 254]), 'application/octet-stream');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...answer.body], [255, 254, 1]);
  });

  test('a Rust Err(...) is a 422 with its message', async () => {
    const answer = await post(url, '/serve-api/parse_port', ['99999']);
    assert.equal(answer.status, 422);
    assert.deepEqual(pick(answer.json, 'code'), 'ERR_OFFLOAD_GUEST_ERROR');
    assert.match(String(pick(answer.json, 'message')), /not a port/);
  });
});

describe('validation: a 4xx whose message names the argument', () => {
  const cases: [string, string, unknown, RegExp][] = [
    ['wrong type', '/hello/say', [5], /argument "s" of say\(s\) must be String/],
    ['wrong type, named', '/serve-api/add', { a: '1', b: 2 }, /argument "a" of add\(a, b\) must be f64/],
    ['missing argument', '/serve-api/add', [1], /missing argument "b" \(f64\)/],
    ['unknown argument', '/hello/say', { s: 'x', shout: true }, /unknown argument "shout"/],
    ['too many arguments', '/hello/say', ['a', 'b'], /say takes 1 argument\(s\) \(s\), got 2/],
    ['a body that is neither array nor object', '/hello/say', 'just text', /must be a JSON array of arguments or a JSON object/],
    ['a byte out of range', '/serve-api/checksum', [[1, 300]], /argument "data" of checksum\(data\) must be &\[u8\].*at \/1/],
    ['an array sent as the whole body', '/serve-api/checksum', [1, 2, 3], /send \[\[\.\.\.\]\] to pass "data"/],
    ['a u64 that is not an integer', '/serve-api/mul_big', ['1.5', 2], /argument "a" of mul_big\(a, b\) must be u64 \(an integer, or a decimal string, from 0 to 18446744073709551615\)/],
  ];
  for (const [name, route, body, message] of cases) {
    test(name, async () => {
      // A JSON string is valid JSON but not an argument list.
      const answer = await post(url, route, typeof body === 'string' ? JSON.stringify(body) : body, 'application/json');
      assert.equal(answer.status, 400, answer.text);
      assert.equal(pick(answer.json, 'code'), 'ERR_OFFLOAD_BAD_ARGUMENT');
      assert.match(String(pick(answer.json, 'message')), message);
    });
  }

  test('a query argument of the wrong type (raw-bytes form)', async () => {
    const answer = await post(url, '/serve-api/xor_bytes?key=abc', new Uint8Array([1]), 'application/octet-stream');
    assert.equal(answer.status, 400);
    assert.match(String(pick(answer.json, 'message')), /argument "key" of xor_bytes\(data, key\) must be u8 \(from 0 to 255\)/);
  });

  test('raw bytes to a function without a bytes parameter: 415', async () => {
    const answer = await post(url, '/serve-api/add', new Uint8Array([1]), 'application/octet-stream');
    assert.equal(answer.status, 415);
    assert.match(String(pick(answer.json, 'message')), /add takes a JSON body/);
  });

  test('an oversized JSON body: 413 naming the arguments', async () => {
    const answer = await post(url, '/hello/say', [`${'x'.repeat(300_000)}`]);
    assert.equal(answer.status, 413);
    assert.equal(pick(answer.json, 'code'), 'ERR_OFFLOAD_BODY_TOO_LARGE');
    assert.match(String(pick(answer.json, 'message')), /request body for say is larger than 262144 bytes; send less in the arguments \(s\)/);
  });

  test('an oversized raw body: 413 naming the bytes parameter', async () => {
    const answer = await post(url, '/serve-api/checksum', new Uint8Array(300_000), 'application/octet-stream');
    assert.equal(answer.status, 413);
    assert.match(String(pick(answer.json, 'message')), /send less in "data"/);
  });

  test('an unknown function: 404 listing what exists', async () => {
    const answer = await post(url, '/hello/shout', ['x']);
    assert.equal(answer.status, 404);
    assert.match(String(pick(answer.json, 'message')), /\/hello\/say/);
  });
});

describe('documentation from the same schemas', () => {
  test('/openapi.json describes each function with its parameters', async () => {
    const doc = (await get(url, '/openapi.json')).json as OpenApiDoc;
    assert.equal(doc.openapi, '3.1.0');
    const say = doc.paths['/hello/say']?.post;
    assert.ok(say, 'POST /hello/say is documented');
    // Named or positional: both forms the route accepts are published.
    assert.deepEqual(say.requestBody.content['application/json']?.schema, {
      anyOf: [
        { type: 'object', properties: { s: { type: 'string' } }, required: ['s'], additionalProperties: false },
        { type: 'array', prefixItems: [{ type: 'string' }], items: false, minItems: 1, maxItems: 1 },
      ],
      description: 'The arguments by name, or in order as an array',
    });
    assert.match(say.description ?? '', /Returns "hello " followed by the name/);
    assert.ok(say.responses['504'], 'the timeout answer is documented');
    const xor = doc.paths['/serve-api/xor_bytes']?.post;
    assert.ok(xor?.requestBody.content['application/octet-stream'], 'raw bytes body documented');
    assert.deepEqual(xor?.parameters?.map((p) => [p.name, p.in]), [['key', 'query']]);
    assert.equal(doc.paths['/serve-api/start'], undefined, 'the wasm-bindgen start function is not an endpoint');
  });

  test('/docs serves Swagger UI from the npm package', async () => {
    const page = await get(url, '/docs/');
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger-ui/i);
    const bundle = await get(url, '/docs/static/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
  });
});

describe('operations', () => {
  test('/healthz and /readyz', async () => {
    assert.equal((await get(url, '/healthz')).status, 200);
    const ready = await get(url, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(pick(ready.json, 'status'), 'ready');
  });

  test('/metrics counts requests by status and exposes pool gauges and event-loop lag', async () => {
    await post(url, '/hello/say', ['metrics']);
    await post(url, '/hello/say', [1]);
    const text = (await get(url, '/metrics')).text;
    assert.ok((metric(text, 'offload_http_requests_total{package="hello",function="say",status="200"}') ?? 0) >= 1);
    assert.ok((metric(text, 'offload_http_requests_total{package="hello",function="say",status="400"}') ?? 0) >= 1);
    assert.ok((metric(text, 'offload_http_request_duration_seconds_count{package="hello",function="say"}') ?? 0) >= 2);
    assert.equal(metric(text, 'offload_queue_depth{package="hello"}'), 0);
    assert.equal(metric(text, 'offload_threads{package="hello"}'), 1);
    assert.notEqual(metric(text, 'nodejs_eventloop_lag_p99_seconds'), undefined);
  });
});

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, { post?: { description?: string; requestBody: { content: Record<string, { schema?: unknown }> }; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] } }>;
}

function pick(json: unknown, key: string): unknown {
  return (json as Record<string, unknown> | undefined)?.[key];
}
