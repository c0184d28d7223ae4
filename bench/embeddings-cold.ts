// One cold start in a fresh process, for bench/embeddings.ts: the time from nothing loaded to
// the first embedding, and the process's resident memory (RSS) after it. Prints JSON.
//   node --import tsx bench/embeddings-cold.ts offload-pool|offload-inline|transformers.js|baseline
const which = process.argv[2];
const sentence = 'The quick brown fox jumps over the lazy dog by the river.';
const started = performance.now();
let close: () => Promise<unknown> = async () => undefined;
if (which === 'offload-pool' || which === 'offload-inline') {
  const { startEmbedder } = await import('../examples/embeddings/lib/embedder.js');
  const { api, embedder } = await startEmbedder(which === 'offload-pool' ? { threads: 1 } : { mode: 'inline' });
  await embedder.embed(sentence);
  close = () => api.$close();
} else if (which === 'transformers.js') {
  const { transformersJsEmbedder } = await import('../examples/embeddings/lib/transformers-js.js');
  const embedder = await transformersJsEmbedder();
  await embedder.embed([sentence]);
  close = () => embedder.dispose();
} else if (which !== 'baseline') {
  throw new Error(`unknown implementation "${which}"`);
}
const coldMs = performance.now() - started;
// A worker's memory is part of this process's RSS, so the pool's instance is counted too.
const rssMb = process.memoryUsage().rss / (1 << 20);
console.log(JSON.stringify({ which, coldMs, rssMb }));
await close();
