// transformers.js (@huggingface/transformers) on the same weights: its feature-extraction
// pipeline with mean pooling and normalisation, from the local ONNX folder, remote models off.
import { env, pipeline } from '@huggingface/transformers';
import { ensureOnnxModel, transformersJsName, transformersJsRoot } from './onnx-export.js';

export async function transformersJsEmbedder(): Promise<{ embed(texts: string[]): Promise<Float32Array>; dispose(): Promise<void> }> {
  await ensureOnnxModel();
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${transformersJsRoot}/`;
  const extractor = await pipeline('feature-extraction', transformersJsName, { dtype: 'fp32', device: 'cpu' });
  return {
    async embed(texts) {
      const output = await extractor(texts, { pooling: 'mean', normalize: true });
      return output.data as Float32Array;
    },
    dispose: () => extractor.dispose(),
  };
}
