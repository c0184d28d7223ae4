/** runProgram: one WASI program run on the chosen engine, with explicit capabilities. */
import { BadModuleError } from './errors.js';
import { normalizeOptions, type ProgramResult, type RunProgramOptions } from './options.js';
import { runOnV8 } from './v8-engine.js';
import { runOnWasmEdge } from './wasmedge-engine.js';
import { inspectProgram } from './wasm-module.js';

/**
 * Run a wasm32-wasip1 program to completion. Resolves with its exit code and output for any
 * exit (zero or not); rejects with a typed error (see errors.ts) for a trap, a timeout, the
 * memory cap, a bad module or a missing engine.
 */
export async function runProgram(wasm: Uint8Array | ArrayBuffer, options: RunProgramOptions = {}): Promise<ProgramResult> {
  if (!(wasm instanceof Uint8Array) && !(wasm instanceof ArrayBuffer)) {
    throw new BadModuleError(`expected the module's bytes (Uint8Array or ArrayBuffer), got ${typeof wasm}`);
  }
  const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
  const normalized = normalizeOptions(options);
  const info = inspectProgram(bytes);
  return normalized.engine === 'wasmedge' ? runOnWasmEdge(bytes, info, normalized) : runOnV8(bytes, info, normalized);
}
