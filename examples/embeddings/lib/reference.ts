// Runs reference/reference.py (NumPy forward pass and the Python tokenizer, from the same
// model files) in the virtual environment scripts/install-embeddings-model.sh makes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { modelDir, referencePython } from './paths.js';

const script = fileURLToPath(new URL('../reference/reference.py', import.meta.url));

export interface Reference {
  ids: number[][];
  embeddings: number[][];
}

export function pythonReference(texts: string[]): Promise<Reference> {
  return new Promise((resolve, reject) => {
    const child = execFile(referencePython, [script, modelDir], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${referencePython} ${script} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Reference);
    });
    child.stdin?.end(JSON.stringify({ texts }));
  });
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
