// onnxruntime-node and onnxruntime-web sessions over the ONNX export of the same weights.
// They take token ids (from the Embedder's tokenizer, outside the timing) and pool here, the
// way sentence-transformers does: mean over the kept tokens, then L2 normalisation.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

export interface TokenBatch {
  sentences: number;
  tokens: number;
  ids: BigInt64Array;
  mask: BigInt64Array;
  types: BigInt64Array;
}

/** Pads token id lists to the longest, as one batch. */
export function tokenBatch(idLists: ArrayLike<number>[]): TokenBatch {
  const tokens = Math.max(...idLists.map((l) => l.length));
  const size = idLists.length * tokens;
  const batch = { sentences: idLists.length, tokens, ids: new BigInt64Array(size), mask: new BigInt64Array(size), types: new BigInt64Array(size) };
  idLists.forEach((list, s) => {
    for (let t = 0; t < list.length; t++) {
      batch.ids[s * tokens + t] = BigInt(list[t]!);
      batch.mask[s * tokens + t] = 1n;
    }
  });
  return batch;
}

export function meanPoolNormalised(hidden: Float32Array, batch: TokenBatch, width: number): Float32Array {
  const out = new Float32Array(batch.sentences * width);
  for (let s = 0; s < batch.sentences; s++) {
    const row = out.subarray(s * width, (s + 1) * width);
    let kept = 0;
    for (let t = 0; t < batch.tokens; t++) {
      if (batch.mask[s * batch.tokens + t] === 0n) continue;
      kept++;
      const offset = (s * batch.tokens + t) * width;
      for (let d = 0; d < width; d++) row[d]! += hidden[offset + d]!;
    }
    let norm = 0;
    for (let d = 0; d < width; d++) norm += (row[d]! /= Math.max(kept, 1e-9)) ** 2;
    norm = Math.max(Math.sqrt(norm), 1e-12);
    for (let d = 0; d < width; d++) row[d]! /= norm;
  }
  return out;
}

export interface OrtEmbedder {
  embed(batch: TokenBatch): Promise<Float32Array>;
  release(): Promise<void>;
}

type Ort = typeof ortNode | typeof ortWeb;

function runner(ort: Ort, session: ortNode.InferenceSession | ortWeb.InferenceSession): OrtEmbedder {
  return {
    async embed(batch) {
      const shape = [batch.sentences, batch.tokens];
      const out = await session.run({
        input_ids: new ort.Tensor('int64', batch.ids, shape),
        attention_mask: new ort.Tensor('int64', batch.mask, shape),
        token_type_ids: new ort.Tensor('int64', batch.types, shape),
      } as never);
      const hidden = out.last_hidden_state!;
      return meanPoolNormalised(hidden.data as Float32Array, batch, hidden.dims[2]!);
    },
    release: () => session.release(),
  };
}

export async function ortNodeEmbedder(onnxPath: string, threads?: number): Promise<OrtEmbedder> {
  const session = await ortNode.InferenceSession.create(onnxPath, {
    executionProviders: ['cpu'],
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  });
  return runner(ortNode, session);
}

/** onnxruntime-web's wasm build, single-threaded, from the files inside node_modules. */
export async function ortWebEmbedder(onnxPath: string): Promise<OrtEmbedder> {
  const distDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  ortWeb.env.wasm.wasmPaths = `${pathToFileURL(distDir).href}/`;
  ortWeb.env.wasm.numThreads = 1;
  const session = await ortWeb.InferenceSession.create(onnxPath, { executionProviders: ['wasm'] });
  return runner(ortWeb, session);
}
