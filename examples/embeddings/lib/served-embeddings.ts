// The package's plain functions (embed, embed_batch, ...) through load(), the way `offload
// serve` runs them: its `init` export gets the model's files once per instance through
// load()'s init option (the weights shared through shared memory), with an empty search
// index. Works for both builds (pkg/ and the --threads pkg-threads/).
import { load, type LoadOptions, type Offloaded } from '../../../src/runtime/index.js';
import type { EmbeddingsModule } from './embedder.js';
import { readModelFiles } from './model-files.js';

export async function loadServedEmbeddings(pkgDir: string, options: Omit<LoadOptions, 'init'> = {}): Promise<Offloaded<EmbeddingsModule>> {
  const files = readModelFiles();
  const noParagraphs = '[]';
  const noVectors = new Uint8Array(0);
  return load<EmbeddingsModule>(pkgDir, {
    ...options,
    init: { function: 'init', args: [files.weights, files.config, files.tokenizer, files.sentenceBertConfig, noParagraphs, noVectors] },
  });
}
