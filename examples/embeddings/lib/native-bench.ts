// The same crate compiled for this machine (native-bench/, x86-64 portable, no target-cpu
// flags) and timed inside its own process on one core (RAYON_NUM_THREADS=1), for the
// benchmark's native row. Built with the host cargo into offload's cache.
import { execFile, spawn } from 'node:child_process';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { modelDir } from './paths.js';

const run = promisify(execFile);
const benchDir = fileURLToPath(new URL('../native-bench/', import.meta.url));
const targetDir = path.join(homedir(), '.cache', 'offload', 'embeddings-native-target');

export async function buildNativeBench(): Promise<string> {
  await run('cargo', ['build', '--release', '--quiet'], { cwd: benchDir, env: { ...process.env, CARGO_TARGET_DIR: targetDir }, maxBuffer: 64 << 20 });
  return path.join(targetDir, 'release', 'embeddings-native-bench');
}

export interface NativeTask {
  samples: number[];
  embeddings: number[];
}

export async function runNativeBench(binary: string, single: string, batch: string[], minTimeMs: number): Promise<{ single: NativeTask; batch: NativeTask }> {
  const child = spawn(binary, [], { env: { ...process.env, RAYON_NUM_THREADS: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin.end(JSON.stringify({ model_dir: modelDir, single, batch, min_time_ms: minTimeMs }));
  const code = await exited;
  if (code !== 0) throw new Error(`${binary} exited with ${code}`);
  return JSON.parse(stdout) as { single: NativeTask; batch: NativeTask };
}
