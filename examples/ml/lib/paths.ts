// Where the example's committed files are, so the demo, the bench and the tests agree.
import { fileURLToPath } from 'node:url';

export const crateDir = fileURLToPath(new URL('../', import.meta.url));
export const pkgDir = fileURLToPath(new URL('../pkg/', import.meta.url));
export const threadsPkgDir = fileURLToPath(new URL('../pkg-threads/', import.meta.url));
export const weightsPath = fileURLToPath(new URL('../model/weights.bin', import.meta.url));
export const onnxPath = fileURLToPath(new URL('../model/digits-mlp.onnx', import.meta.url));
export const testSetPath = fileURLToPath(new URL('../model/test-set.bin.gz', import.meta.url));
export const modelJsonPath = fileURLToPath(new URL('../model/model.json', import.meta.url));
export const nativeBenchDir = fileURLToPath(new URL('../native-bench/', import.meta.url));
