// Builds the crate with `offload build`'s library code (a no-op when nothing changed), in the
// cargo target folders the test suite shares, so std for wasm is compiled once per machine.
// The same source builds two packages: pkg/ (one thread) and pkg-threads/ (`--threads`:
// atomics, shared memory, rayon's blocks on helper threads). Their rustflags differ, so each
// has its own target folder; the threaded one is the one test/runtime-threads.test.ts uses.
// Both ship a relaxed-SIMD twin (lanes.rs fuses the multiply-add there), which load() picks
// where the engine has relaxed SIMD (Node 22+), the simd128 module elsewhere.
import { homedir } from 'node:os';
import path from 'node:path';
import { buildPackage } from '../../../src/build/build.js';
import { consoleReporter, silentReporter } from '../../../src/build/progress.js';
import { crateDir, pkgDir, threadsPkgDir } from './paths.js';

export const sharedTargetDir = path.join(homedir(), '.cache', 'offload', 'test-target');
export const sharedThreadsTargetDir = path.join(homedir(), '.cache', 'offload', 'threads-target');

export interface DigitsBuild {
  pkgDir: string;
  wasmPath: string;
  gluePath: string;
}

export async function buildDigits(options: { quiet?: boolean; threads?: boolean } = {}): Promise<DigitsBuild> {
  const threads = options.threads ?? false;
  const result = await buildPackage(crateDir, {
    threads,
    relaxedSimd: true,
    outDir: threads ? threadsPkgDir : pkgDir,
    targetDir: threads ? sharedThreadsTargetDir : (process.env.CARGO_TARGET_DIR ?? sharedTargetDir),
    reporter: options.quiet ? silentReporter : consoleReporter(),
  });
  return { pkgDir: result.pkgDir, wasmPath: result.wasmPath, gluePath: result.gluePath ?? path.join(result.pkgDir, 'digits.js') };
}
