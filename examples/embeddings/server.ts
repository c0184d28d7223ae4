// The embeddings example over HTTP: one Embedder (weights handed over once) behind Fastify,
// and a semantic search over prose paragraphs of 30 real READMEs, embedded at start-up.
//   POST /embeddings/embed        ["text"] or {"text": "..."}          -> 384 numbers
//   POST /embeddings/embed_batch  [["a", "b"]] or {"texts": [...]}      -> one array per text
//   POST /embeddings/search       {"query": "...", "k": 5}              -> nearest paragraphs
// `offload serve` cannot host it yet: it skips classes, and a plain function would have no
// weights (see docs/embeddings.md). Build first (offload build examples/embeddings), then:
//   node --import tsx examples/embeddings/server.ts      (PORT, HOST, SEARCH_PARAGRAPHS_PER_README)
import Fastify from 'fastify';
import { startEmbedder } from './lib/embedder.js';
import { SearchIndex, readmeParagraphs } from './lib/search-index.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const perReadme = Number(process.env.SEARCH_PARAGRAPHS_PER_README ?? 6);
const MAX_K = 50;

const { api, embedder } = await startEmbedder({ threads: 1, timeoutMs: 30_000 });
const dimensions = await embedder.dimensions;
const started = performance.now();
const index = await SearchIndex.build(readmeParagraphs(perReadme), (texts) => embedder.embed_batch(texts), dimensions);
const indexMs = Math.round(performance.now() - started);

// No type coercion: a number where a sentence belongs is a 400, not the text "5".
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' }, ajv: { customOptions: { coerceTypes: false } } });

const stringSchema = { type: 'string', maxLength: 20_000 };
const textsSchema = { type: 'array', items: stringSchema, maxItems: 256 };
app.post('/embeddings/embed', {
  schema: { body: { oneOf: [{ type: 'array', items: [stringSchema], minItems: 1, maxItems: 1 }, { type: 'object', required: ['text'], properties: { text: stringSchema } }] } },
}, async (request) => {
  const body = request.body as [string] | { text: string };
  return Array.from(await embedder.embed(Array.isArray(body) ? body[0] : body.text));
});
app.post('/embeddings/embed_batch', {
  schema: { body: { oneOf: [{ type: 'array', items: [textsSchema], minItems: 1, maxItems: 1 }, { type: 'object', required: ['texts'], properties: { texts: textsSchema } }] } },
}, async (request) => {
  const body = request.body as [string[]] | { texts: string[] };
  const texts = Array.isArray(body) ? body[0] : body.texts;
  const flat = await embedder.embed_batch(texts);
  return texts.map((_, i) => Array.from(flat.subarray(i * dimensions, (i + 1) * dimensions)));
});
app.post('/embeddings/search', {
  schema: { body: { type: 'object', required: ['query'], properties: { query: stringSchema, k: { type: 'integer', minimum: 1, maximum: MAX_K } } } },
}, async (request) => {
  const { query, k = 5 } = request.body as { query: string; k?: number };
  return index.nearest(await embedder.embed(query), k);
});

await app.listen({ port, host });
const { port: bound } = app.server.address() as { port: number };
app.log.info({ url: `http://${host}:${bound}`, paragraphs: index.paragraphs.length, indexMs }, 'embeddings example is ready');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => api.$close()).then(() => process.exit(0)));
}
