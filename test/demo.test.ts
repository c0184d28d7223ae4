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
  it('serves hello, markdown, digits, image-kernels and embeddings, then shuts down on SIGTERM', async () => {
    const child = spawn('bash', [join(repoRoot, 'scripts', 'demo.sh')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      let packages: unknown;
      const url = await readyUrl(child.stdout, exited, () => stderr, (record) => {
        if (record.msg === 'offload serve is ready') packages = record.packages;
      });
      assert.deepEqual(packages, ['hello', 'markdown', 'digits', 'image-kernels', 'embeddings']);

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

      // Embeddings: the model reached each instance through the init export, which is no route.
      const embedded = await post('/embeddings/embed', ['The cat sits on the mat.']);
      assert.equal(embedded.status, 200);
      const vector = embedded.json as number[];
      assert.equal(vector.length, 384);
      assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4, 'unit length');
      const close = await post('/embeddings/similarity', ['A man is playing a guitar.', 'Someone plays an instrument.']);
      const far = await post('/embeddings/similarity', ['A man is playing a guitar.', 'The stock market fell sharply today.']);
      assert.ok((close.json as number) > (far.json as number) + 0.2, `paraphrase ${String(close.json)} vs unrelated ${String(far.json)}`);
      assert.equal((await post('/embeddings/init', [])).status, 404);
      // Search: a paragraph's own text finds that paragraph first.
      const paragraphs = JSON.parse(await readFile(join(repoRoot, 'examples', 'embeddings', 'serve-data', 'paragraphs.json'), 'utf8')) as { document: string; text: string }[];
      const probe = paragraphs[Math.floor(paragraphs.length / 2)]!;
      const found = await post('/embeddings/search', { query: probe.text, k: 3 });
      assert.equal(found.status, 200);
      const hits = found.json as { document: string; text: string; score: number }[];
      assert.equal(hits.length, 3);
      assert.deepEqual({ document: hits[0]!.document, text: hits[0]!.text }, probe);
      assert.ok(hits[0]!.score > 0.99 && hits[0]!.score >= hits[1]!.score && hits[1]!.score >= hits[2]!.score, JSON.stringify(hits.map((h) => h.score)));
      assert.equal((await post('/embeddings/search', { query: 5, k: 3 })).status, 400);
      assert.equal((await post('/embeddings/search', { query: 'x', k: 0 })).status, 422);

      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      // A failed assertion must not leave the server running (and this file waiting on it).
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
