// Where the example's files are: the crate in this repository, the model in offload's cache
// (scripts/install-embeddings-model.sh puts it there; it is never committed).
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const crateDir = fileURLToPath(new URL('../', import.meta.url));
export const pkgDir = fileURLToPath(new URL('../pkg/', import.meta.url));
/** The `offload build --threads` package of the same crate (lib/build-threads.ts). */
export const threadedPkgDir = fileURLToPath(new URL('../pkg-threads/', import.meta.url));

const cacheDir = process.env.OFFLOAD_CACHE_DIR ?? path.join(homedir(), '.cache', 'offload');
export const modelDir = path.join(cacheDir, 'models', 'all-MiniLM-L6-v2-0.1.2');
/** The Python environment with numpy, safetensors and tokenizers that the tests' reference runs in. */
export const referencePython = path.join(cacheDir, 'embeddings-reference-venv', 'bin', 'python');
