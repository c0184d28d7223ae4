import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { exec, firstLine } from './exec.js';
import { CompileError } from './errors.js';

export type OptLevel = 'speed' | 'size';

/** wasm-opt from the binaryen npm package: pinned with offload, no system install needed. */
export function wasmOptPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('binaryen/package.json')), 'bin', 'wasm-opt');
}

export async function wasmOptVersion(): Promise<string | undefined> {
  return firstLine(process.execPath, [wasmOptPath(), '--version']);
}

/**
 * The features rustc emits by default for wasm targets, plus SIMD, relaxed SIMD and threads
 * when asked.
 * Naming them keeps validation independent of whether the target_features section survived
 * wasm-bindgen; without `threads`, wasm-opt rejects a shared memory and atomic instructions.
 */
function featureFlags(simd: boolean, threads: boolean, relaxedSimd: boolean): string[] {
  const features = ['bulk-memory', 'sign-ext', 'mutable-globals', 'nontrapping-float-to-int', 'reference-types', 'multivalue'];
  if (simd || relaxedSimd) features.push('simd');
  if (relaxedSimd) features.push('relaxed-simd');
  if (threads) features.push('threads');
  return features.map((feature) => `--enable-${feature}`);
}

/**
 * The optimisation flag. A threaded module gets -O2 whatever was asked: with binaryen 132,
 * -O3 and -Os turn the wasm-bindgen-rayon fixture into a module whose helper threads never
 * finish starting (initThreadPool hangs), while -O1 and -O2 work (docs/parallel.md).
 */
export function wasmOptLevelFlag(level: OptLevel, threads: boolean): string {
  if (threads) return '-O2';
  return level === 'size' ? '-Oz' : '-O3';
}

export interface WasmOptOptions {
  level: OptLevel;
  simd: boolean;
  threads?: boolean;
  relaxedSimd?: boolean;
}

export async function runWasmOpt(input: string, output: string, options: WasmOptOptions): Promise<void> {
  const threads = options.threads ?? false;
  const features = featureFlags(options.simd, threads, options.relaxedSimd ?? false);
  const result = await exec(process.execPath, [wasmOptPath(), wasmOptLevelFlag(options.level, threads), ...features, input, '-o', output]);
  if (result.code !== 0) throw new CompileError(`wasm-opt failed on ${input}:\n${result.stderr.trim()}`);
}
