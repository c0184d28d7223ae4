// The same Rust compiled natively (native-bench/, host `cargo build --release`), run as a
// child process that times the given documents and prints JSON. It is the physical limit for
// this code on this machine: no wasm, no JavaScript strings, no call boundary.
import { execFile, execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const benchDir = fileURLToPath(new URL('./native-bench/', import.meta.url));
const targetDir = join(homedir(), '.cache', 'offload', 'bench-target', 'native');

export interface NativeTiming {
  name: string;
  bytes: number;
  outputBytes: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  samples: number;
}

export interface NativeReport {
  trusted: boolean;
  documents: NativeTiming[];
  corpus: NativeTiming;
  concatenated: NativeTiming;
}

/** Builds the native bench with the host toolchain (cargo skips it when nothing changed). */
export function buildNativeBench(): string {
  const cargo = process.env.CARGO ?? 'cargo';
  execFileSync(cargo, ['build', '--release', '--quiet', '--target-dir', targetDir], {
    cwd: benchDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(targetDir, 'release', 'markdown-native-bench');
}

export async function runNativeBench(binary: string, files: string[], options: { minTimeMs: number; trusted: boolean }): Promise<NativeReport> {
  const args = ['--min-time-ms', String(options.minTimeMs), ...(options.trusted ? ['--trusted'] : []), ...files];
  const { stdout } = await promisify(execFile)(binary, args, { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as NativeReport;
}
