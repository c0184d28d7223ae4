// Resolves a package (src/package/locate.ts) and the module of it this engine runs
// (simd-variant.ts), checks that load()'s memory cap applies to its
// .wasm, and compiles it through the process's one compiled-module cache
// (src/wasm/module-cache.ts): every worker and every load() of the same bytes with the same
// cap shares one WebAssembly.Module (posting a compiled module to a worker does not recompile it).

import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { OffloadError } from '../errors.js';
import { locatePackage, type PackageFiles, type PackageLocation } from '../package/locate.js';
import { WasmFormatError } from '../wasm/binary.js';
import { type MemoryLimits, WASM_PAGE, pagesFor, readMemoryLimits } from '../wasm/memory-limits.js';
import { type CompiledModule, MODULE_CACHE_LIMIT, compileModule, contentHash, findCompiled } from '../wasm/module-cache.js';
import { OffloadBadArgumentError, OffloadLoadError, describe } from './errors.js';
import { type SimdVariant, type SimdVariantChoice, chooseModule } from './simd-variant.js';

export type { PackageLocation };

export interface ResolvedPackage extends PackageFiles {
  /** The glue's URL for import(), naming the build so a rebuilt package is imported afresh. */
  glueUrl: string;
  /** Which SIMD the module at wasmPath (the chosen variant) uses. */
  simdVariant: SimdVariant;
}

export interface CompiledPackage extends ResolvedPackage {
  module: WebAssembly.Module;
  /** The most the instance's memory can grow to, in bytes (the wasm32 ceiling when uncapped). */
  memoryMaxBytes: number;
  memoryLimited: boolean;
  /** Whether failed `memory.grow`s are recorded, so running out of memory is known, not guessed. */
  growProbe: boolean;
  /** The `#[wasm_bindgen(start)]` function, which the glue also exports but callers must not call. */
  startExport: string | undefined;
  /**
   * A threaded package (`offload build --threads`) imports a shared memory, which each
   * instance creates: these pages, the maximum already lowered to memoryLimitMb.
   */
  sharedMemory?: { initialPages: number; maximumPages: number };
}

const WASM32_MAX_BYTES = 65536 * WASM_PAGE;

export function resolvePackage(location: PackageLocation, simdVariant: SimdVariantChoice = 'auto'): ResolvedPackage {
  const files = locatePackage(location);
  const chosen = chooseModule(files, simdVariant);
  // ESM caches modules by URL: naming the build in the URL makes load() after a rebuild
  // import the new glue, not the one this process saw first.
  const build = Math.trunc(statSync(files.wasmPath).mtimeMs);
  return { ...files, ...chosen, glueUrl: `${pathToFileURL(files.gluePath).href}?build=${build}` };
}

export async function compilePackage(pkg: ResolvedPackage, memoryLimitMb: number | undefined): Promise<CompiledPackage> {
  if (memoryLimitMb !== undefined && !(Number.isFinite(memoryLimitMb) && memoryLimitMb > 0)) {
    throw new OffloadBadArgumentError(`memoryLimitMb must be a positive number of MiB, got ${String(memoryLimitMb)}.`);
  }
  const maxPages = memoryLimitMb === undefined ? undefined : pagesFor(memoryLimitMb);
  let compiled: CompiledModule;
  try {
    compiled = await (findUnchanged(pkg.wasmPath, maxPages) ?? readAndCompile(pkg, maxPages));
  } catch (error) {
    if (error instanceof OffloadError) throw error;
    throw new OffloadLoadError(`${pkg.wasmPath} is not a valid WebAssembly module: ${describe(error)}. Rebuild it.`, error);
  }
  const memory = compiled.memory;
  // A shared memory is created by whoever instantiates, so its cap is a smaller maximum there.
  const sharedMemory = memory?.imported && memory.shared ? sharedPages(pkg, memory, maxPages) : undefined;
  const max = sharedMemory?.maximumPages ?? memory?.max;
  return {
    ...pkg,
    module: compiled.module,
    memoryMaxBytes: max !== undefined ? max * WASM_PAGE : WASM32_MAX_BYTES,
    memoryLimited: maxPages !== undefined,
    growProbe: compiled.growProbe,
    startExport: compiled.startExport,
    sharedMemory,
  };
}

function sharedPages(pkg: ResolvedPackage, memory: MemoryLimits, maxPages: number | undefined): { initialPages: number; maximumPages: number } {
  if (memory.max === undefined) throw new OffloadLoadError(`${pkg.wasmPath} imports a shared memory without a maximum, which no engine accepts. Rebuild it with \`offload build --threads\`.`);
  if (maxPages !== undefined && maxPages < memory.min) {
    throw new OffloadBadArgumentError(
      `memoryLimitMb is ${(maxPages * WASM_PAGE) / 2 ** 20} MiB but the module needs ${(memory.min * WASM_PAGE) / 2 ** 20} MiB to start. Raise memoryLimitMb.`,
    );
  }
  return { initialPages: memory.min, maximumPages: Math.min(memory.max, maxPages ?? memory.max) };
}

// The content hash of each .wasm by path, size and mtime: load() of an unchanged package finds
// its compiled module without reading and hashing the file again (megabytes, for real crates).
const fileHashes = new Map<string, string>();

function fileKey(wasmPath: string): string {
  const stat = statSync(wasmPath);
  return `${wasmPath}\0${stat.size}\0${stat.mtimeMs}`;
}

function findUnchanged(wasmPath: string, maxPages: number | undefined): Promise<CompiledModule> | undefined {
  const hash = fileHashes.get(fileKey(wasmPath));
  return hash === undefined ? undefined : findCompiled(hash, maxPages);
}

async function readAndCompile(pkg: ResolvedPackage, maxPages: number | undefined): Promise<CompiledModule> {
  const key = fileKey(pkg.wasmPath);
  const bytes = new Uint8Array(await readFile(pkg.wasmPath));
  // A threaded module's memory is capped where it is created (compilePackage), not in its bytes.
  if (maxPages !== undefined && isSharedImport(bytes)) maxPages = undefined;
  if (maxPages !== undefined) checkCapApplies(pkg, bytes, maxPages);
  const hash = contentHash(bytes);
  fileHashes.delete(key);
  fileHashes.set(key, hash);
  // Bounded like the module cache: a hash whose module was dropped is worth nothing.
  if (fileHashes.size > MODULE_CACHE_LIMIT) fileHashes.delete(fileHashes.keys().next().value!);
  return compileModule(bytes, maxPages, hash);
}

function isSharedImport(bytes: Uint8Array): boolean {
  try {
    const limits = readMemoryLimits(bytes);
    return Boolean(limits?.imported && limits.shared);
  } catch {
    return false; // checkCapApplies reports what is wrong with the module.
  }
}

/** A cap needs a 32-bit memory that the module defines and that starts within the cap. */
function checkCapApplies(pkg: ResolvedPackage, bytes: Uint8Array, maxPages: number): void {
  let limits: MemoryLimits | undefined;
  try {
    limits = readMemoryLimits(bytes);
  } catch (error) {
    if (!(error instanceof WasmFormatError)) throw error;
    throw new OffloadLoadError(`${pkg.wasmPath} is not a valid WebAssembly module: ${error.message}. Rebuild it.`, error);
  }
  if (!limits || limits.imported) {
    throw new OffloadBadArgumentError(
      limits?.imported
        ? 'memoryLimitMb needs a module that defines its own memory, but this one imports it (a threaded build?). Build without shared memory, or drop memoryLimitMb.'
        : 'memoryLimitMb was given but the module has no memory to limit. Drop memoryLimitMb.',
    );
  }
  if (limits.memory64) throw new OffloadBadArgumentError('memoryLimitMb does not support 64-bit memories yet');
  if (limits.min > maxPages) {
    throw new OffloadBadArgumentError(
      `memoryLimitMb is ${(maxPages * WASM_PAGE) / 2 ** 20} MiB but the module needs ${(limits.min * WASM_PAGE) / 2 ** 20} MiB to start. Raise memoryLimitMb.`,
    );
  }
}
