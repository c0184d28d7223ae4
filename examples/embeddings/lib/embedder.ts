// Starts an Embedder from the cached model: one load() and one constructor call that hands
// the 90 MB of weights to the instance once (transferred, not copied, to the worker).
import { load, transfer, type LoadOptions, type Offloaded } from '../../../src/runtime/index.js';
import type * as EmbeddingsPkg from '../pkg/embeddings.js';
import { readModelFiles } from './model-files.js';
import { pkgDir } from './paths.js';

export type EmbeddingsModule = typeof EmbeddingsPkg;

export async function startEmbedder(options: LoadOptions = {}) {
  const api: Offloaded<EmbeddingsModule> = await load<EmbeddingsModule>(pkgDir, options);
  try {
    const files = readModelFiles();
    const embedder = await api.Embedder.create(transfer(files.weights), files.config, files.tokenizer, files.sentenceBertConfig);
    return { api, embedder };
  } catch (error) {
    await api.$close();
    throw error;
  }
}
