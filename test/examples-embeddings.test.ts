// examples/embeddings as a user meets it: all-MiniLM-L6-v2 built with `offload build`,
// loaded with load(), its weights handed to one Embedder. Checked against an independent
// reference from the same model files (the Python tokenizers package and a NumPy forward
// pass, reference/reference.py), for meaning (paraphrases score above unrelated pairs) and
// for bad input. The model comes from scripts/install-embeddings-model.sh (npm test's setup).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { OffloadGuestError, type Offloaded, type Remote } from '../src/runtime/index.js';
import { buildEmbeddings } from '../examples/embeddings/lib/build.js';
import { prepareServeData } from '../examples/embeddings/lib/serve-data.js';
import { readServeConfig } from '../src/server/config.js';
import { serve, type OffloadServer } from '../src/server/index.js';
import { startEmbedder, type EmbeddingsModule } from '../examples/embeddings/lib/embedder.js';
import { cosine, pythonReference, type Reference } from '../examples/embeddings/lib/reference.js';
import type { Embedder } from '../examples/embeddings/pkg/embeddings.js';

// Longer than the model's 256-token limit, so truncation is exercised.
const longText = Array.from({ length: 90 }, (_, i) => `word${i} and more, `).join('');

const tokenCorpus = [
  'Hello, world! How are you?',
  'Punctuation: (a) [b] {c} <d> "e" \'f\' ... -- ; : ! ? @ # $ % ^ & * _ + = ~ ` | \\ /',
  'Digits 3.14159, 1,000,000 and 2026-12-02 at 16:45.',
  'Accents: naïve café, Ångström, São Paulo, Łódź, crème brûlée.',
  'CJK: 東京は日本の首都です。北京欢迎你。서울',
  'Emoji: 😀 👍🏽 🚀 ❤️ family 👨‍👩‍👧',
  'A URL: https://example.com/path?q=rust+wasm&lang=en#frag and mail a.b@c.org',
  '',
  '   \t\n  ',
  'MiXeD CaSe and UPPER CASE words',
  longText,
];

const embeddingCorpus = [
  'The cat sits on the mat.',
  'WebAssembly runs Rust code inside Node.js.',
  'Accents: naïve café, São Paulo. CJK: 東京 Emoji: 🚀',
  '',
  longText,
];

describe('examples/embeddings: all-MiniLM-L6-v2', () => {
  let api: Offloaded<EmbeddingsModule>;
  let embedder: Remote<Embedder>;
  let reference: Reference;

  before(async () => {
    await buildEmbeddings({ quiet: true });
    [{ api, embedder }, reference] = await Promise.all([
      startEmbedder({ threads: 1 }),
      pythonReference([...tokenCorpus, ...embeddingCorpus]),
    ]);
  });
  after(() => api?.$close());

  test('token ids equal the Python tokenizers package on punctuation, digits, accents, CJK, emoji, URLs, empty and over-long input', async () => {
    for (const [i, text] of tokenCorpus.entries()) {
      assert.deepEqual(Array.from(await embedder.tokenize(text)), reference.ids[i], JSON.stringify(text.slice(0, 60)));
    }
    assert.equal(await embedder.maxTokens, 256);
    assert.equal((await embedder.tokenize(longText)).length, 256, 'truncated to sentence_bert_config.json max_seq_length');
    assert.deepEqual(Array.from(await embedder.tokenize('')), [101, 102], 'empty input is [CLS] [SEP]');
  });

  test('embeddings are within cosine 0.9999 of a NumPy forward pass of the same weights, and unit length', async () => {
    for (const [i, text] of embeddingCorpus.entries()) {
      const ours = await embedder.embed(text);
      assert.equal(ours.length, 384);
      const expected = reference.embeddings[tokenCorpus.length + i]!;
      const similarity = cosine(ours, expected);
      assert.ok(similarity >= 0.9999, `${JSON.stringify(text.slice(0, 40))}: cosine ${similarity}`);
      const norm = Math.hypot(...ours);
      assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
    }
  });

  test('a batch of sentences of different lengths gives what one call per sentence gives', async () => {
    const batch = await embedder.embed_batch(embeddingCorpus);
    assert.equal(batch.length, embeddingCorpus.length * 384);
    for (const [i, text] of embeddingCorpus.entries()) {
      const single = await embedder.embed(text);
      const similarity = cosine(batch.subarray(i * 384, (i + 1) * 384), single);
      assert.ok(similarity > 0.99999, `sentence ${i} in the batch: cosine ${similarity} to its single embedding`);
    }
    assert.equal((await embedder.embed_batch([])).length, 0);
  });

  test('paraphrases score above unrelated pairs', async () => {
    const pairs: [string, string, string][] = [
      ['A man is playing a guitar.', 'Someone is playing an instrument.', 'The stock market fell sharply today.'],
      ['How do I reset my password?', 'I forgot my password, how can I change it?', 'What is the capital of France?'],
      ['The weather is lovely and sunny.', 'It is a bright, warm day outside.', 'The compiler rejected my Rust code.'],
    ];
    for (const [anchor, paraphrase, unrelated] of pairs) {
      const close = await embedder.similarity(anchor, paraphrase);
      const far = await embedder.similarity(anchor, unrelated);
      assert.ok(close > far + 0.2, `${anchor}: paraphrase ${close}, unrelated ${far}`);
    }
    assert.ok(Math.abs((await embedder.similarity('same words', 'same words')) - 1) < 1e-5);
  });

  test('bad input is a typed error that names the argument, and the embedder stays usable', async () => {
    const rejectsWith = (call: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof OffloadGuestError, String(error));
        assert.equal(error.code, 'ERR_OFFLOAD_GUEST_ERROR');
        assert.match(error.message, pattern);
        return true;
      });
    await rejectsWith(embedder.embed(42 as unknown as string), /text must be a string, got number/);
    await rejectsWith(embedder.embed_batch(['ok', null as unknown as string]), /texts\[1\] must be a string, got object/);
    await rejectsWith(embedder.embed_batch(Array.from({ length: 257 }, () => 'x')), /at most 256 sentences, got 257/);
    await rejectsWith(embedder.similarity('a', undefined as unknown as string), /b must be a string/);
    assert.equal((await embedder.embed('still here')).length, 384);
  });

  test('an Embedder refuses files that are not the model with a typed error', async () => {
    await assert.rejects(api.Embedder.create(new Uint8Array([1, 2, 3]), '{}', '{}', '{"max_seq_length": 256}'), (error: unknown) => {
      assert.ok(error instanceof OffloadGuestError, String(error));
      assert.match(error.message, /tokenizer\.json|config\.json|model\.safetensors/);
      return true;
    });
  });
});

describe('examples/embeddings served by offload serve: embed and semantic search', () => {
  let server: OffloadServer;
  let base: string;

  before(async () => {
    await buildEmbeddings({ quiet: true });
    // The demo's own config and data: the model and the index reach every instance through
    // the crate's init export (examples/serve.json).
    await prepareServeData();
    const config = await readServeConfig(fileURLToPath(new URL('../examples/serve.json', import.meta.url)));
    const embeddings = config.packages.filter((p) => p.path.endsWith('embeddings'));
    assert.equal(embeddings.length, 1);
    server = await serve(embeddings, { port: 0, logger: false, defaults: { threads: 2 } });
    base = server.url;
  });
  after(() => server?.close());

  const post = async (route: string, body: unknown) => {
    const response = await fetch(base + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as unknown };
  };

  test('POST /embeddings/search answers the nearest README paragraphs', async () => {
    const { status, json } = await post('/embeddings/search', { query: 'expose metrics for Prometheus', k: 3 });
    assert.equal(status, 200);
    const hits = json as { document: string; text: string; score: number }[];
    assert.equal(hits.length, 3);
    assert.match(hits[0]!.document, /prom-client\/README\.md$/, JSON.stringify(hits[0]));
    assert.ok(hits[0]!.score >= hits[1]!.score && hits[1]!.score >= hits[2]!.score, 'sorted by score');
  });

  test('POST /embeddings/embed and /embed_batch answer unit vectors; bad bodies are 400, refused ones 422', async () => {
    const one = await post('/embeddings/embed', ['hello there']);
    assert.equal(one.status, 200);
    assert.equal((one.json as number[]).length, 384);
    const named = await post('/embeddings/embed', { text: 'hello there' });
    assert.deepEqual(named.json, one.json);
    const batch = await post('/embeddings/embed_batch', { texts: ['hello there', 'general kenobi'] });
    assert.equal(batch.status, 200);
    const flat = batch.json as number[];
    assert.equal(flat.length, 2 * 384);
    assert.ok(cosine(flat.slice(0, 384), one.json as number[]) > 0.99999);
    assert.equal((await post('/embeddings/embed', { text: 5 })).status, 400);
    assert.equal((await post('/embeddings/init', [])).status, 404, 'the init export is not a route');
    const manyK = await post('/embeddings/search', { query: 'x', k: 500 });
    assert.deepEqual([manyK.status, (manyK.json as { code: string }).code], [422, 'ERR_OFFLOAD_GUEST_ERROR']);
    assert.match(String((manyK.json as { message: string }).message), /k must be between 1 and 50/);
    const tooMany = await post('/embeddings/embed_batch', { texts: Array.from({ length: 257 }, () => 'x') });
    assert.equal(tooMany.status, 422);
    assert.match(String((tooMany.json as { message: string }).message), /at most 256 sentences/);
  });
});
