/**
 * WAGI: the pure translation (request -> runProgram options, CGI stdout -> response) and a
 * real CGI program answering on both engines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { WagiResponseError, runProgram, wagiRequestToOptions, wagiResponseFromResult, type ProgramEngine } from '../src/programs/index.js';
import { buildProgramFixture, ensureWasmEdge, programsCrateDir } from './helpers/build-program.js';

const crateDir = programsCrateDir;
let wagiEcho: Buffer;

before(async () => {
  const [bins] = await Promise.all([buildProgramFixture(crateDir), ensureWasmEdge()]);
  wagiEcho = readFileSync(bins.get('wagi_echo')!);
});

describe('wagiRequestToOptions', () => {
  test('maps method, path, headers, query and body to CGI conventions', () => {
    const options = wagiRequestToOptions(
      {
        method: 'post',
        url: '/app/items/caf%C3%A9?color=red&size=2&q=a+b%26c',
        scriptName: '/app',
        headers: { 'User-Agent': 'test/1.0', 'Content-Type': 'text/plain', 'X-Multi': ['a', 'b'], 'Content-Length': '7', Authorization: 'Bearer secret', Cookie: 'sid=1' },
        body: 'payload',
        remoteAddr: '10.0.0.1',
        serverName: 'example.test',
        serverPort: 8080,
      },
      { timeoutMs: 1234, engine: 'wasmedge', env: { FROM_BASE: 'yes' } },
    );
    assert.deepEqual(options.args, ['color=red', 'size=2', 'q=a b&c']);
    assert.deepEqual(options.env, {
      FROM_BASE: 'yes',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'offload',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '/app',
      PATH_INFO: '/items/café',
      X_RAW_PATH_INFO: '/items/caf%C3%A9',
      QUERY_STRING: 'color=red&size=2&q=a+b%26c',
      CONTENT_LENGTH: '7',
      CONTENT_TYPE: 'text/plain',
      REMOTE_ADDR: '10.0.0.1',
      SERVER_NAME: 'example.test',
      SERVER_PORT: '8080',
      HTTP_USER_AGENT: 'test/1.0',
      HTTP_X_MULTI: 'a, b',
    });
    assert.equal(Buffer.from(options.stdin as Uint8Array).toString(), 'payload');
    assert.equal(options.timeoutMs, 1234);
    assert.equal(options.engine, 'wasmedge');
  });

  test('no query means no arguments and an empty QUERY_STRING', () => {
    const options = wagiRequestToOptions({ method: 'GET', url: '/', headers: {} });
    assert.deepEqual(options.args, []);
    assert.equal(options.env!.QUERY_STRING, '');
    assert.equal(options.env!.CONTENT_LENGTH, '0');
  });
});

describe('wagiResponseFromResult', () => {
  const parse = (stdout: string, exitCode = 0) => wagiResponseFromResult({ exitCode, stdout: Buffer.from(stdout) });

  test('headers, Status, then the body (LF and CRLF)', () => {
    assert.deepEqual(parse('Content-Type: text/plain\nStatus: 418 I am a teapot\nX-A: 1\nX-A: 2\n\nbody\nmore'), {
      status: 418,
      headers: { 'content-type': 'text/plain', 'x-a': '1, 2' },
      body: Buffer.from('body\nmore'),
    });
    assert.deepEqual(parse('Content-Type: text/html\r\n\r\n<p>hi</p>'), { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<p>hi</p>') });
  });

  test('a Location without Status is a redirect', () => {
    assert.equal(parse('Location: /elsewhere\n\n').status, 302);
  });

  const rejects = (stdout: string, pattern: RegExp, exitCode = 0) =>
    assert.throws(
      () => parse(stdout, exitCode),
      (e: unknown) => {
        assert.ok(e instanceof WagiResponseError);
        assert.equal(e.code, 'ERR_OFFLOAD_WAGI_RESPONSE');
        assert.match(e.message, pattern);
        return true;
      },
    );

  test('invalid CGI responses are errors that say what is wrong', () => {
    rejects('just a body', /no blank line after the headers/);
    rejects('Not a header\n\nbody', /malformed header line/);
    rejects('Status: teapot\n\n', /bad Status header/);
    rejects('X-Only: 1\n\n', /none of Content-Type, Location or Status/);
    rejects('Content-Type: text/plain\n\n', /exited with code 3/, 3);
  });
});

for (const engine of ['v8', 'wasmedge'] as ProgramEngine[]) {
  describe(`a WAGI program on ${engine}`, () => {
    test('answers a POST with its CGI response', async () => {
      const options = wagiRequestToOptions(
        { method: 'POST', url: '/app/items?color=red&size=2', scriptName: '/app', headers: { 'user-agent': 'offload-test' }, body: 'hello body' },
        { engine },
      );
      const response = wagiResponseFromResult(await runProgram(wagiEcho, options));
      assert.equal(response.status, 201);
      assert.deepEqual(response.headers, { 'content-type': 'text/plain; charset=utf-8', 'x-echo-method': 'POST' });
      assert.equal(
        response.body.toString(),
        'method=POST\npath=/items\nquery=color=red&size=2\nargs=["color=red", "size=2"]\nuser-agent=offload-test\ncontent-length=10\nbody=hello body',
      );
    });

    test('chooses its own status', async () => {
      const response = wagiResponseFromResult(await runProgram(wagiEcho, wagiRequestToOptions({ method: 'GET', url: '/missing', headers: {} }, { engine })));
      assert.equal(response.status, 404);
    });
  });
}
