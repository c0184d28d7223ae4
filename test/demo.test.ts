// The README's main job, as `npm start` runs it: scripts/demo.sh builds every example and
// serves them all. Each example answers through HTTP, and SIGTERM ends it cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './helpers/cli.js';
import { readyUrl } from './helpers/serve-client.js';

describe('npm start (scripts/demo.sh)', () => {
  it('serves hello, markdown, digits and image-kernels, then shuts down on SIGTERM', async () => {
    const child = spawn('bash', [join(repoRoot, 'scripts', 'demo.sh')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let packages: unknown;
    const url = await readyUrl(child.stdout, exited, () => stderr, (record) => {
      if (record.msg === 'offload serve is ready') packages = record.packages;
    });
    assert.deepEqual(packages, ['hello', 'markdown', 'digits', 'image-kernels']);

    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as unknown };
    };
    assert.deepEqual(await post('/hello/say', ['World']), { status: 200, json: 'hello World' });
    assert.deepEqual(await post('/markdown/to_html', ['# Hi *there*']), { status: 200, json: '<h1>Hi <em>there</em></h1>\n' });
    const info = await post('/digits/modelInfo', []);
    assert.equal(info.status, 200);
    assert.match(String(info.json), /"parameters":109386/);
    const photo = await readFile(join(repoRoot, 'examples', 'image', 'data', 'coffee.png'));
    const thumb = await fetch(`${url}/image-kernels/thumbnail?max_side=64&quality=80`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: photo,
    });
    assert.equal(thumb.status, 200);
    const jpeg = new Uint8Array(await thumb.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG comes back');

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
