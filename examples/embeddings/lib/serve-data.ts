// What `offload serve` hands the embeddings package's init export (see examples/serve.json):
// examples/embeddings/serve-data/ with `model` (a link to the cached model, wherever
// OFFLOAD_CACHE_DIR puts it) and the search index, the README paragraphs embedded once here,
// at the demo's start-up, and again only when the paragraphs or the build change.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelFiles } from './model-files.js';
import { startEmbedder } from './embedder.js';
import { modelDir, pkgDir } from './paths.js';
import { SearchIndex, readmeParagraphs } from './search-index.js';

export const serveDataDir = fileURLToPath(new URL('../serve-data/', import.meta.url));
/** Prose paragraphs kept per README: about 180 paragraphs over the 30 READMEs. */
export const PARAGRAPHS_PER_README = 6;

export async function prepareServeData(log: (line: string) => void = () => {}): Promise<void> {
  readModelFiles(); // fails early, naming the installer, when the model is missing
  mkdirSync(serveDataDir, { recursive: true });
  const link = path.join(serveDataDir, 'model');
  rmSync(link, { force: true });
  symlinkSync(modelDir, link);

  const paragraphs = readmeParagraphs(PARAGRAPHS_PER_README);
  const key = createHash('sha256')
    .update(readFileSync(path.join(pkgDir, 'embeddings_bg.wasm')))
    .update(JSON.stringify(paragraphs))
    .digest('hex');
  const keyFile = path.join(serveDataDir, 'index.key');
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    log(`✓ search index of ${paragraphs.length} paragraphs is up to date`);
    return;
  }
  log(`embedding ${paragraphs.length} README paragraphs for the search index ...`);
  const started = performance.now();
  const { api, embedder } = await startEmbedder({ threads: 1, timeoutMs: 120_000 });
  try {
    const index = await SearchIndex.build(paragraphs, (texts) => embedder.embed_batch(texts), await embedder.dimensions);
    writeFileSync(path.join(serveDataDir, 'paragraphs.json'), JSON.stringify(index.paragraphs));
    writeFileSync(path.join(serveDataDir, 'vectors.f32'), index.vectorBytes());
    writeFileSync(keyFile, key);
  } finally {
    await api.$close();
  }
  log(`✓ search index built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
