// The model's files as the Embedder constructor takes them, read once from the cache.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { modelDir } from './paths.js';

export interface ModelFiles {
  weights: Uint8Array;
  config: string;
  tokenizer: string;
  sentenceBertConfig: string;
}

export class ModelMissingError extends Error {
  readonly code = 'ERR_OFFLOAD_MODEL_MISSING';
  constructor(dir: string) {
    super(`the all-MiniLM-L6-v2 model is not in ${dir}; run: bash scripts/install-embeddings-model.sh`);
    this.name = 'ModelMissingError';
  }
}

export function readModelFiles(dir = modelDir): ModelFiles {
  if (!existsSync(path.join(dir, '.complete'))) throw new ModelMissingError(dir);
  const text = (name: string): string => readFileSync(path.join(dir, name), 'utf8');
  const weights = readFileSync(path.join(dir, 'model.safetensors'));
  return {
    weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength),
    config: text('config.json'),
    tokenizer: text('tokenizer.json'),
    sentenceBertConfig: text('sentence_bert_config.json'),
  };
}
