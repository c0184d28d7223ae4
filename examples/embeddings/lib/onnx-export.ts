// The same weights as ONNX, for the benchmark's comparisons: reference/to_onnx.py writes the
// graph from the cached safetensors (once), in the folder layout transformers.js reads for a
// local model (<root>/<name>/config.json, tokenizer files, onnx/model.onnx).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readModelFiles } from './model-files.js';
import { modelDir, referencePython } from './paths.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../reference/to_onnx.py', import.meta.url));

export const transformersJsRoot = path.join(path.dirname(modelDir), 'transformers-js');
export const transformersJsName = 'all-MiniLM-L6-v2';

export async function ensureOnnxModel(): Promise<string> {
  readModelFiles(); // the typed "model missing" error comes first
  const folder = path.join(transformersJsRoot, transformersJsName);
  const onnxPath = path.join(folder, 'onnx', 'model.onnx');
  if (existsSync(onnxPath)) return onnxPath;
  mkdirSync(path.dirname(onnxPath), { recursive: true });
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    copyFileSync(path.join(modelDir, file), path.join(folder, file));
  }
  await run(referencePython, [script, modelDir, `${onnxPath}.partial`], { maxBuffer: 16 << 20 });
  renameSync(`${onnxPath}.partial`, onnxPath);
  return onnxPath;
}
