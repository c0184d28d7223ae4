// offload serve against outside clients: schemas as exact as the Rust types (from the
// descriptors `offload build` records in offload.json), the HTTP conventions clients rely on
// (405, 415, 413 before the body), NaN/Infinity results, and a published spec that says
// exactly what the server accepts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve, type OffloadServer } from '../src/server/index.js';
import { buildCrate, get, post } from './helpers/serve-client.js';

let server: OffloadServer;
let url: string;
let apiPkg: string;

before(async () => {
  apiPkg = await buildCrate('test/fixtures/serve-api');
  server = await serve([apiPkg], { port: 0, logger: false, defaults: { threads: 1, bodyLimitMb: 0.25 } });
  url = server.url;
});
after(() => server.close());

function message(answer: { json: unknown }): string {
  return String((answer.json as { message?: unknown }).message);
}

describe('offload.json records the Rust types the .d.ts erases', () => {
  test('integers, floats, char, enums and async by their Rust names', async () => {
    const manifest = JSON.parse(await readFile(path.join(apiPkg, 'offload.json'), 'utf8')) as {
      rustTypes: { functions: Record<string, { params: { kind: string; name?: string }[]; result: { kind: string; name?: string }; async: boolean }> };
    };
    const fns = manifest.rustTypes.functions;
    assert.deepEqual(fns.mix_ints?.params.map((p) => p.name), ['u8', 'i8', 'u16', 'i32']);
    assert.deepEqual(fns.mix_ints?.result, { kind: 'int', name: 'i64' });
    assert.deepEqual(fns.half_f32?.params, [{ kind: 'float', name: 'f32' }]);
    assert.deepEqual(fns.next_char?.params, [{ kind: 'char' }]);
    assert.equal(fns.next_color?.params[0]?.kind, 'enum');
    assert.equal(fns.fruit_len?.params[0]?.kind, 'string-enum');
    assert.equal(fns.later_double?.async, true);
    assert.deepEqual(fns.later_double?.result, { kind: 'int', name: 'u32' });
  });
});

describe('bad input is a 400 naming the argument, never a wrapped or truncated value', () => {
  const cases: [string, string, unknown, RegExp][] = [
    ['u8 above its range', '/serve-api/mix_ints', [256, 0, 0, 0], /argument "small" of mix_ints\(small, signed, medium, wide\) must be u8 \(from 0 to 255\)/],
    ['u8 below its range (no wrap to 255)', '/serve-api/mix_ints', [-1, 0, 0, 0], /argument "small" .* must be u8/],
    ['a fraction for an integer (no truncation)', '/serve-api/mix_ints', [1.5, 0, 0, 0], /argument "small" .* must be u8/],
    ['i32 beyond 2^31', '/serve-api/mix_ints', [0, 0, 0, 2 ** 31], /argument "wide" .* must be i32 \(from -2147483648 to 2147483647\)/],
    ['u32 given 2^32 (no wrap)', '/serve-api/work', [4294967296], /argument "rounds" of work\(rounds\) must be u32/],
    ['u64 given 2^64 (no wrap to 0)', '/serve-api/mul_big', ['18446744073709551616', 1], /argument "a" .* must be u64/],
    ['u64 given a negative', '/serve-api/mul_big', ['-1', 1], /argument "a" .* must be u64/],
    ['a char of two characters', '/serve-api/next_char', ['ab'], /argument "c" of next_char\(c\) must be char \(exactly one character\)/],
    ['an empty char', '/serve-api/next_char', [''], /argument "c" .* must be char/],
    ['an f32 beyond its finite range', '/serve-api/half_f32', [1e39], /argument "x" of half_f32\(x\) must be f32 \(a finite f32\)/],
    ['a C-style enum value no variant has', '/serve-api/next_color', [1], /argument "c" of next_color\(c\) must be Color \(one of 0, 5, 6\)/],
    ['a string enum value no variant has', '/serve-api/fruit_len', ['kiwi'], /argument "f" of fruit_len\(f\) must be Fruit \(one of "apple", "banana"\)/],
    ['a u64 element out of range', '/serve-api/squares', [['18446744073709551616']], /argument "xs" of squares\(xs\)/],
  ];
  for (const [name, route, body, expected] of cases) {
    test(name, async () => {
      const answer = await post(url, route, body);
      assert.equal(answer.status, 400, answer.text);
      assert.equal((answer.json as { code: string }).code, 'ERR_OFFLOAD_BAD_ARGUMENT');
      assert.match(message(answer), expected);
    });
  }
});

describe('every export with a JSON form is served', () => {
  test('the extremes of each range pass through unchanged', async () => {
    assert.equal((await post(url, '/serve-api/mix_ints', [255, -128, 65535, -2147483648])).json, String(255 - 128 + 65535 - 2147483648));
    assert.equal((await post(url, '/serve-api/mul_big', ['18446744073709551615', 1])).json, '18446744073709551615');
    assert.equal((await post(url, '/serve-api/mul_big', [3, '4'])).json, '12');
    assert.equal((await post(url, '/serve-api/half_f32', [3])).json, 1.5);
    assert.equal((await post(url, '/serve-api/next_char', ['é'])).json, 'ê');
    assert.equal((await post(url, '/serve-api/next_char', ['😀'])).json, '😁', 'one character beyond the BMP is one char');
  });

  test('enums by variant: C-style by value, string enums by name', async () => {
    assert.equal((await post(url, '/serve-api/next_color', [5])).json, 6);
    assert.equal((await post(url, '/serve-api/next_color', { c: 6 })).json, 0);
    assert.equal((await post(url, '/serve-api/fruit_len', ['banana'])).json, 6);
  });

  test('Vec<u64> in and out as decimal strings; js_sys::Array as a JSON array', async () => {
    assert.deepEqual((await post(url, '/serve-api/squares', [['4294967296', 3]])).json, ['0', '9']);
    assert.equal((await post(url, '/serve-api/count_items', [[1, 'a', null, [2]]])).json, 4);
  });

  test('an async fn answers with the value its Promise resolves to', async () => {
    const answer = await post(url, '/serve-api/later_double', [21]);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json, 42);
  });

  test('a function returning () answers 204 with no body', async () => {
    const answer = await post(url, '/serve-api/nothing');
    assert.equal(answer.status, 204);
    assert.equal(answer.body.length, 0);
  });

  test('only what has no JSON form is skipped, each with its reason', () => {
    const skipped = server.packages[0]?.skipped.map((s) => s.name).sort();
    assert.deepEqual(skipped, ['Tally', 'call_back']);
    assert.match(server.packages[0]?.skipped.find((s) => s.name === 'call_back')?.reason ?? '', /Function/);
    const served = server.packages[0]?.functions.map((f) => f.name) ?? [];
    for (const name of ['mix_ints', 'next_color', 'fruit_len', 'squares', 'count_items', 'later_double']) assert.ok(served.includes(name), name);
  });
});

describe('NaN and Infinity in a result', () => {
  test('travel as the strings "NaN", "Infinity", "-Infinity", as the result schema declares; never as null', async () => {
    assert.deepEqual((await post(url, '/serve-api/ratios', [0, 0])).json, ['NaN', 'NaN']);
    assert.deepEqual((await post(url, '/serve-api/ratios', [1, 0])).json, ['Infinity', 0]);
    assert.equal((await post(url, '/serve-api/add', [-1e308, -1e308])).json, '-Infinity');
    assert.deepEqual((await post(url, '/serve-api/ratios', [1, 2])).json, [0.5, 2], 'finite results are plain numbers');
    const paths = ((await get(url, '/openapi.json')).json as { paths: Record<string, { post: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }> }).paths;
    const items = (paths['/serve-api/ratios']?.post.responses['200']?.content['application/json']?.schema as { items: { anyOf: { enum?: string[] }[] } }).items;
    assert.deepEqual(items.anyOf[1]?.enum, ['NaN', 'Infinity', '-Infinity']);
  });
});

describe('HTTP conventions', () => {
  test('a known path with the wrong method: 405 with Allow', async () => {
    const answer = await get(url, '/serve-api/add');
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get('allow'), 'POST');
    assert.equal((answer.json as { code: string }).code, 'ERR_OFFLOAD_METHOD_NOT_ALLOWED');
    const ops = await post(url, '/healthz', []);
    assert.equal(ops.status, 405);
    assert.equal(ops.headers.get('allow'), 'GET, HEAD');
    assert.equal((await get(url, '/serve-api/nope')).status, 404, 'an unknown path stays a 404');
  });

  test('a text/plain body: 415', async () => {
    const answer = await post(url, '/serve-api/greet', 'Ann', 'text/plain');
    assert.equal(answer.status, 415);
    assert.equal((answer.json as { code: string }).code, 'ERR_OFFLOAD_UNSUPPORTED_MEDIA_TYPE');
    assert.match(message(answer), /application\/json/);
  });

  test('Expect: 100-continue with an over-limit Content-Length: 413 at once, no 100 Continue', async () => {
    const { status, continued } = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const request = http.request(`${url}/serve-api/checksum`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(200 * 2 ** 20), expect: '100-continue' },
      });
      request.on('continue', () => {
        continued = true;
      });
      request.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, continued });
        request.destroy();
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    assert.equal(status, 413);
    assert.equal(continued, false, 'the client was not told to send the 200 MB');
  });

  test("Node's fetch sending an over-limit body reads the 413, not a broken pipe", async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await post(url, '/serve-api/checksum', new Uint8Array(4 * 2 ** 20), 'application/octet-stream');
      assert.equal(answer.status, 413);
      assert.equal((answer.json as { code: string }).code, 'ERR_OFFLOAD_BODY_TOO_LARGE');
    }
    assert.equal((await post(url, '/serve-api/checksum', [[1, 2]])).json, 3, 'the server still answers afterwards');
  });
});

interface Operation {
  description?: string;
  requestBody?: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  parameters?: { name: string; required: boolean }[];
  responses: Record<string, unknown>;
}

describe('the published spec is what the server does', () => {
  let paths: Record<string, Record<string, Operation>>;
  before(async () => {
    paths = ((await get(url, '/openapi.json')).json as { paths: typeof paths }).paths;
  });

  test('exact schemas: integer ranges, one-character char, enum variants, finite f32', () => {
    const mix = paths['/serve-api/mix_ints']?.post?.requestBody?.content['application/json']?.schema as { anyOf: Record<string, unknown>[] };
    const named = mix.anyOf[0] as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(named.properties.small, { type: 'integer', minimum: 0, maximum: 255, format: 'u8' });
    const color = (paths['/serve-api/next_color']?.post?.requestBody?.content['application/json']?.schema as { anyOf: { properties: { c: { enum: number[] } } }[] }).anyOf[0];
    assert.deepEqual(color?.properties.c.enum, [0, 5, 6]);
  });

  test('positional arrays are described next to named objects', () => {
    const schema = paths['/serve-api/greet']?.post?.requestBody?.content['application/json']?.schema as { anyOf: Record<string, unknown>[] };
    assert.equal(schema.anyOf[1]?.type, 'array');
    assert.equal(schema.anyOf[1]?.minItems, 1, 'the optional punctuation may be left out');
    assert.equal(schema.anyOf[1]?.maxItems, 2);
  });

  test('a zero-argument function takes no body; raw-bytes query arguments are not required with JSON', () => {
    assert.equal(paths['/serve-api/nothing']?.post?.requestBody?.required, false);
    assert.ok(paths['/serve-api/nothing']?.post?.responses['204']);
    assert.deepEqual(paths['/serve-api/xor_bytes']?.post?.parameters?.map((p) => [p.name, p.required]), [['key', false]]);
  });

  test("/readyz's 503 is declared, and descriptions come from the Rust doc comments", () => {
    assert.ok(paths['/readyz']?.get?.responses['503']);
    assert.equal(paths['/serve-api/add']?.post?.description, 'Adds two numbers.');
    assert.equal(paths['/serve-api/is_even']?.post?.description, undefined, 'no doc comment, no description (not the glue header)');
  });
});
