// The process's one compiled-module cache, shared by load() and the V8 program engine.
// Compiling is the slow step and a compiled WebAssembly.Module can be posted to any worker
// without recompiling, so each module is compiled once per memory cap and reused by every
// worker and every load()/run of the same bytes. Entries are keyed by the sha256 of the bytes
// (a rebuilt module is a new entry, an unchanged one is found whatever its path) plus the cap,
// which is written into the module. The cache is bounded: past MODULE_CACHE_LIMIT modules the
// least recently used one is dropped (a module still in use lives on in its holders).

import { createHash } from 'node:crypto';
import { instrumentMemoryGrow } from './grow-probe.js';
import { type MemoryLimits, limitMemory, readMemoryLimits } from './memory-limits.js';
import { startFunctionExport } from './start-function.js';

/** Compiled modules kept at most; a long-lived server rarely holds more than a few dozen. */
export const MODULE_CACHE_LIMIT = 64;

export interface CompiledModule {
  module: WebAssembly.Module;
  /** Memory 0's limits as compiled, that is with the cap written in; undefined without memory. */
  memory: MemoryLimits | undefined;
  /** Whether failed `memory.grow`s are recorded (see grow-probe.ts). */
  growProbe: boolean;
  /** wasm-bindgen's `#[wasm_bindgen(start)]` export, which callers must not call (see start-function.ts). */
  startExport: string | undefined;
}

/** The content hash that names a module in this cache and in WasmEdge's AOT cache. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// A Map iterates in insertion order; a hit is re-inserted, so the first key is the least
// recently used.
const cache = new Map<string, Promise<CompiledModule>>();

/**
 * The module compiled with its memory capped at `maxPages` (none when undefined) and its
 * grows probed. The caller has checked that the cap applies (see limitMemory); a module the
 * engine rejects rejects with the engine's CompileError, which the caller words.
 */
export function compileModule(bytes: Uint8Array, maxPages: number | undefined, hash = contentHash(bytes)): Promise<CompiledModule> {
  const key = `${hash}:${maxPages ?? 'uncapped'}`;
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key);
  } else {
    entry = compile(bytes, maxPages);
    entry.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
  }
  cache.set(key, entry);
  if (cache.size > MODULE_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return entry;
}

async function compile(bytes: Uint8Array, maxPages: number | undefined): Promise<CompiledModule> {
  const capped = maxPages === undefined ? bytes : limitMemory(bytes, maxPages);
  const probe = instrumentMemoryGrow(capped);
  // Compiled first: for a module that is not valid wasm, the engine's reason is the clearest.
  const module = await WebAssembly.compile(probe.bytes as Uint8Array<ArrayBuffer>);
  return {
    module,
    memory: readMemoryLimits(probe.bytes),
    growProbe: probe.instrumented,
    startExport: startFunctionExport(bytes),
  };
}

/** The module already compiled (or compiling) for this content hash and cap, if any. */
export function findCompiled(hash: string, maxPages: number | undefined): Promise<CompiledModule> | undefined {
  const key = `${hash}:${maxPages ?? 'uncapped'}`;
  const entry = cache.get(key);
  if (entry) {
    cache.delete(key);
    cache.set(key, entry);
  }
  return entry;
}

/** How many compiled modules the cache holds now. */
export function cachedModuleCount(): number {
  return cache.size;
}
