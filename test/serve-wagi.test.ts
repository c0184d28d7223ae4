// WASI programs served by `offload serve` with the WAGI (CGI) conventions, on both engines.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServeConfig, serve, type OffloadServer } from '../src/server/index.js';
import { buildProgramFixture, ensureWasmEdge } from './helpers/build-program.js';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

let pkgDir: string;
before(async () => {
  await ensureWasmEdge();
  const built = await buildProgramFixture(join(repoRoot, 'test', 'fixtures', 'programs'));
  pkgDir = dirname(built.get('wagi_echo') as string);
});

for (const engine of ['v8', 'wasmedge'] as const) {
  describe(`WAGI programs on ${engine}`, () => {
    let server: OffloadServer;
    const base = (program: string) => `${server.url}/offload-program-fixtures/${program}`;
    before(async () => {
      server = await serve([{ path: pkgDir, engine, timeoutMs: 500 }], { port: 0, logger: false });
    });
    after(() => server.close());

    it('maps method, path, query, headers and body to CGI, and the CGI answer back to HTTP', async () => {
      const response = await fetch(`${base('wagi_echo')}/items/42?name=World&x=1`, {
        method: 'POST',
        headers: { 'user-agent': 'offload-test', 'content-type': 'text/plain' },
        body: 'payload',
      });
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('x-echo-method'), 'POST');
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(
        await response.text(),
        [
          'method=POST',
          'path=/items/42',
          'query=name=World&x=1',
          'args=["name=World", "x=1"]',
          'user-agent=offload-test',
          'content-length=7',
          'body=payload',
        ].join('\n'),
      );
    });

    it("passes the program's own status through", async () => {
      const response = await fetch(`${base('wagi_echo')}/missing`);
      assert.equal(response.status, 404);
      assert.match(await response.text(), /path=\/missing/);
    });

    it('answers 502 when the program does not speak CGI, and 504 when it runs past the timeout', async () => {
      const notCgi = await fetch(base('exitcode'));
      assert.equal(notCgi.status, 502);
      assert.equal(((await notCgi.json()) as { code: string }).code, 'ERR_OFFLOAD_WAGI_RESPONSE');
      const slow = await fetch(base('spin'));
      assert.equal(slow.status, 504);
      assert.equal(((await slow.json()) as { code: string }).code, 'ERR_OFFLOAD_TIMEOUT');
      const after = await fetch(`${base('wagi_echo')}/still-up`);
      assert.equal(after.status, 201);
    });
  });
}

for (const engine of ['v8', 'wasmedge'] as const) {
  describe(`WAGI logs on ${engine}`, () => {
    it("log a failed program's own stderr: a panic message, or what it printed before a non-zero exit", async () => {
      const lines: string[] = [];
      const stream = { write: (line: string) => void lines.push(line) };
      const server = await serve([{ path: pkgDir, engine, timeoutMs: 5000 }], { port: 0, logger: { level: 'info', stream } });
      try {
        const base = `${server.url}/offload-program-fixtures/exitcode`;
        const panicked = await fetch(`${base}?panic&the+reason`);
        assert.equal(panicked.status, 500);
        await panicked.arrayBuffer();
        const exited = await fetch(`${base}?3`);
        assert.equal(exited.status, 502);
        await exited.arrayBuffer();
      } finally {
        await server.close();
      }
      const logged = lines.map((l) => JSON.parse(l) as { program?: string; stderr?: string; exitCode?: number });
      const stderrs = logged.filter((l) => l.program === '/offload-program-fixtures/exitcode').map((l) => l.stderr ?? '');
      assert.equal(stderrs.length, 2, lines.join(''));
      assert.match(stderrs[0]!, /panicked at src\/bin\/exitcode\.rs:\d+:\d+:\nthe reason/);
      assert.equal(stderrs[1], 'stderr before exit 3\n');
    });
  });
}

describe('a program package gets exactly the folders its config grants', () => {
  it('reads a granted file, is refused outside the grant, and --engine is checked', async () => {
    const dir = await tempDir('wagi-config');
    try {
      await mkdir(join(dir.path, 'public'));
      await writeFile(join(dir.path, 'public', 'note.txt'), 'granted\n');
      await writeFile(join(dir.path, 'secret.txt'), 'private\n');
      const config = parseServeConfig(
        { packages: [{ path: pkgDir, engine: 'v8', dirs: [{ host: 'public', guest: '/data', readOnly: true }] }] },
        dir.path,
      );
      const server = await serve(config.packages, { port: 0, logger: false });
      try {
        const url = `${server.url}/offload-program-fixtures/wagi_echo/file`;
        const granted = await fetch(`${url}/data/note.txt`);
        assert.equal(granted.status, 200);
        assert.equal(await granted.text(), 'granted\n');
        // An encoded slash keeps `..` away from the client's URL normalisation; the program
        // sees PATH_INFO /data/../secret.txt.
        const escape = await fetch(`${url}/data/..%2Fsecret.txt`);
        assert.equal(escape.status, 403);
        assert.match(await escape.text(), /denied/);
        const absolute = await fetch(`${url}${join(dir.path, 'secret.txt')}`);
        assert.equal(absolute.status, 403);
      } finally {
        await server.close();
      }
      const bad = await runCli(['serve', pkgDir, '--engine', 'quantum']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /error\[ERR_OFFLOAD_BAD_ARGUMENT\]: --engine must be v8 or wasmedge/);
    } finally {
      await dir.remove();
    }
  });
});
