/**
 * A program runner: the handle WASI programs run through, like load()'s handle for
 * libraries. It owns its V8 worker threads and its WasmEdge processes, and close() stops
 * them, busy ones included. Nothing is process-wide but the compiled-module caches.
 */
import { availableParallelism } from 'node:os';
import { BadModuleError, ProgramRunnerClosedError } from './errors.js';
import { normalizeOptions, type ProgramResult, type RunProgramOptions } from './options.js';
import { V8Engine } from './v8-engine.js';
import { WasmEdgeEngine, type PreparedWasmEdge } from './wasmedge-engine.js';
import { inspectProgram } from './inspect-program.js';

export interface ProgramRunnerOptions {
  /** V8 worker threads running at most at once; default one per core. */
  v8Threads?: number;
  /** WasmEdge processes running at most at once; default one per core. */
  wasmedgeProcesses?: number;
}

export interface ProgramRunner {
  /**
   * Run a wasm32-wasip1 program to completion. Resolves with its exit code and output for
   * any exit (zero or not); rejects with a typed error (see errors.ts) for a trap, a
   * timeout, the memory cap, a bad module, a missing engine or a closed runner.
   */
  run(wasm: Uint8Array | ArrayBuffer, options?: RunProgramOptions): Promise<ProgramResult>;
  /** Compile the program for WasmEdge ahead of its first run (V8 needs nothing ahead). */
  prepare(wasm: Uint8Array | ArrayBuffer): Promise<PreparedWasmEdge>;
  /** Stop every run in flight (they reject with ERR_OFFLOAD_CLOSED) and refuse later ones. */
  close(): Promise<void>;
}

function programBytes(wasm: Uint8Array | ArrayBuffer): Uint8Array {
  if (wasm instanceof Uint8Array) return wasm;
  if (wasm instanceof ArrayBuffer) return new Uint8Array(wasm);
  throw new BadModuleError(`expected the module's bytes (Uint8Array or ArrayBuffer), got ${typeof wasm}`);
}

export function createProgramRunner(options: ProgramRunnerOptions = {}): ProgramRunner {
  const v8 = new V8Engine({ threads: options.v8Threads ?? availableParallelism() });
  const wasmedge = new WasmEdgeEngine({ processes: options.wasmedgeProcesses ?? availableParallelism() });
  let closed = false;
  return {
    async run(wasm, runOptions = {}) {
      if (closed) throw new ProgramRunnerClosedError();
      const bytes = programBytes(wasm);
      const normalized = normalizeOptions(runOptions);
      const info = inspectProgram(bytes);
      return normalized.engine === 'wasmedge' ? wasmedge.run(bytes, info, normalized) : v8.run(bytes, info, normalized);
    },
    async prepare(wasm) {
      if (closed) throw new ProgramRunnerClosedError();
      const bytes = programBytes(wasm);
      return wasmedge.prepare(bytes, inspectProgram(bytes));
    },
    async close() {
      closed = true;
      await Promise.all([v8.close(), wasmedge.close()]);
    },
  };
}
