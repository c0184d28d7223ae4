// Builds the image crate for the tests and the benchmark: wasm via `offload build` (skipped
// when nothing changed), once single-threaded and once with `--threads` from the same source,
// and the native timing program with the host's cargo.
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildPackage } from '../../src/build/build.js';
import { silentReporter } from '../../src/build/progress.js';
import { crateDir, threadsPkgDir } from './api.js';

const run = promisify(execFile);

/** Shared with the test suite, so std for wasm and the crate's dependencies build once. */
const sharedTargetDir = path.join(homedir(), '.cache', 'offload', 'test-target');

/**
 * The threaded build's cargo target folder (test/runtime-threads.test.ts uses it too), apart
 * from the plain build's: their RUSTFLAGS differ, so sharing one would rebuild everything at
 * each switch. -Zbuild-std compiles std there once per profile: this crate's (lto = true) gets
 * its own, about a minute and a half cold on the shared 2-core machine.
 */
const threadsTargetDir = path.join(homedir(), '.cache', 'offload', 'threads-target');

export async function buildImageWasm(): Promise<string> {
  const built = await buildPackage(crateDir, { targetDir: sharedTargetDir, reporter: silentReporter });
  return built.pkgDir;
}

/** `offload build --threads` into pkg-threads/: the blur's rows spread over rayon's pool. */
export async function buildImageWasmThreads(): Promise<string> {
  const built = await buildPackage(crateDir, { threads: true, outDir: threadsPkgDir, targetDir: threadsTargetDir, reporter: silentReporter });
  return built.pkgDir;
}

export const nativeBenchDir = path.join(crateDir, 'native-bench');

/**
 * `cargo build --release` of native-bench with the host toolchain; returns the binary.
 * `cpuNative` builds for this CPU (-C target-cpu=native: AVX2 etc. for the auto-vectorised
 * loops too), the physical limit; otherwise the portable x86-64 baseline that binaries ship as.
 */
export async function buildNativeBench(options: { cpuNative?: boolean } = {}): Promise<string> {
  // Plain `cargo` is the host (rustup) toolchain; the wasm route's settings must not leak in.
  const env = { ...process.env };
  delete env.RUSTC;
  delete env.RUSTC_BOOTSTRAP;
  delete env.RUSTFLAGS;
  const targetDir = path.join(nativeBenchDir, 'target', options.cpuNative ? 'cpu-native' : 'baseline');
  env.CARGO_TARGET_DIR = targetDir;
  if (options.cpuNative) env.RUSTFLAGS = '-C target-cpu=native';
  await run('cargo', ['build', '--release', '--quiet'], { cwd: nativeBenchDir, env, maxBuffer: 64 << 20 });
  return path.join(targetDir, 'release', 'image-native-bench');
}
