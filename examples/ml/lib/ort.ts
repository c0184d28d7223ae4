// onnxruntime sessions over the committed ONNX export (same weights as weights.bin):
// onnxruntime-node (native CPU provider) and onnxruntime-web (its WebAssembly build, which
// in Node runs from the .wasm files inside node_modules: nothing is fetched).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { onnxPath } from './paths.js';

export interface OrtRunner {
  /** Logits, n x classes row-major. */
  logits(x: Float32Array, n: number): Promise<Float32Array>;
  release(): Promise<void>;
}

const INPUTS = 784;

export async function ortNodeSession(threads?: number): Promise<OrtRunner> {
  const session = await ortNode.InferenceSession.create(onnxPath, {
    executionProviders: ['cpu'],
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  });
  return {
    async logits(x, n) {
      const out = await session.run({ pixels: new ortNode.Tensor('float32', x, [n, INPUTS]) });
      return out.logits!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

let webConfigured: number | undefined;

/**
 * onnxruntime-web's wasm backend. `threads` 1 is single-threaded; 0 leaves its default
 * (which in Node starts worker threads when the machine has more than one core). The wasm
 * environment is process-wide and fixed by the first session, so one process gets one
 * thread setting.
 */
export async function ortWebSession(threads: number): Promise<OrtRunner> {
  if (webConfigured !== undefined && webConfigured !== threads) {
    throw new Error(`onnxruntime-web is already set up with numThreads ${webConfigured} in this process`);
  }
  if (webConfigured === undefined) {
    const distDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
    ortWeb.env.wasm.wasmPaths = `${pathToFileURL(distDir).href}/`;
    if (threads > 0) ortWeb.env.wasm.numThreads = threads;
    webConfigured = threads;
  }
  const session = await ortWeb.InferenceSession.create(onnxPath, { executionProviders: ['wasm'] });
  return {
    async logits(x, n) {
      const out = await session.run({ pixels: new ortWeb.Tensor('float32', x, [n, INPUTS]) });
      return out.logits!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** What onnxruntime-web settled on, for the report. */
export function ortWebThreads(): number | undefined {
  return ortWeb.env.wasm.numThreads;
}
