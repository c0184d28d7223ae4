// Finds a built package's glue and .wasm, applies the memory cap, and compiles the .wasm once
// per process: every worker and every load() of the same package with the same cap shares
// the one WebAssembly.Module (posting a compiled module to a worker does not recompile it).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OffloadBadArgumentError, OffloadLoadError, describe } from './errors.js';
import { instrumentMemoryGrow, startFunctionExport } from './grow-probe.js';
import { WASM_PAGE, limitMemory, readMemoryLimits } from './wasm-limits.js';

export type PackageLocation = string | URL;

export interface ResolvedPackage {
  name: string;
  gluePath: string;
  glueUrl: string;
  wasmPath: string;
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
}

const WASM32_MAX_BYTES = 65536 * WASM_PAGE;

export function resolvePackage(location: PackageLocation): ResolvedPackage {
  let target: string;
  if (location instanceof URL || /^file:/i.test(location)) {
    const url = location instanceof URL ? location : new URL(location);
    if (url.protocol !== 'file:') {
      throw new OffloadBadArgumentError(`load() takes a path or a file: URL, not ${url.protocol} URLs. Download the package first.`);
    }
    target = fileURLToPath(url);
  } else {
    target = path.resolve(location);
  }
  if (!existsSync(target)) {
    throw new OffloadLoadError(`no package at ${target}. Run \`offload build <crate>\` and pass <crate>/pkg or its .js glue.`);
  }
  const gluePath = statSync(target).isDirectory() ? findGlue(target) : target;
  const name = path.basename(gluePath).replace(/\.(m?js)$/, '');
  const wasmPath = path.join(path.dirname(gluePath), `${name}_bg.wasm`);
  if (!existsSync(wasmPath)) {
    throw new OffloadLoadError(
      `${gluePath} has no ${name}_bg.wasm beside it. Pass the .js glue written by \`wasm-bindgen --target web\` (or \`offload build\`).`,
    );
  }
  // ESM caches modules by URL: naming the build in the URL makes load() after a rebuild
  // import the new glue, not the one this process saw first.
  const build = Math.trunc(statSync(wasmPath).mtimeMs);
  return { name, gluePath, glueUrl: `${pathToFileURL(gluePath).href}?build=${build}`, wasmPath };
}

function findGlue(dir: string): string {
  const manifest = path.join(dir, 'package.json');
  if (existsSync(manifest)) {
    try {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { module?: unknown; main?: unknown };
      const entry = typeof pkg.module === 'string' ? pkg.module : typeof pkg.main === 'string' ? pkg.main : undefined;
      if (entry && existsSync(path.join(dir, entry))) return path.join(dir, entry);
    } catch (error) {
      throw new OffloadLoadError(`cannot read ${manifest}: ${describe(error)}. Rebuild the package.`, error);
    }
  }
  // wasm-bindgen without a package.json: <name>_bg.wasm beside <name>.js.
  const wasm = readdirSync(dir).filter((f) => f.endsWith('_bg.wasm'));
  if (wasm.length === 1 && wasm[0]) {
    const glue = path.join(dir, wasm[0].replace(/_bg\.wasm$/, '.js'));
    if (existsSync(glue)) return glue;
  }
  throw new OffloadLoadError(
    `cannot tell which package ${dir} holds (${wasm.length} *_bg.wasm files). Pass the path of its .js glue instead.`,
  );
}

const compiled = new Map<string, Promise<CompiledPackage>>();

export function compilePackage(pkg: ResolvedPackage, memoryLimitMb: number | undefined): Promise<CompiledPackage> {
  if (memoryLimitMb !== undefined && !(Number.isFinite(memoryLimitMb) && memoryLimitMb > 0)) {
    throw new OffloadBadArgumentError(`memoryLimitMb must be a positive number of MiB, got ${String(memoryLimitMb)}.`);
  }
  const maxPages = memoryLimitMb === undefined ? undefined : Math.max(1, Math.floor((memoryLimitMb * 2 ** 20) / WASM_PAGE));
  // The mtime is part of the key so a rebuilt package is picked up by the next load().
  const key = `${pkg.wasmPath}\0${statSync(pkg.wasmPath).mtimeMs}\0${maxPages ?? 'none'}`;
  let pending = compiled.get(key);
  if (!pending) {
    pending = compile(pkg, maxPages);
    compiled.set(key, pending);
    pending.catch(() => compiled.delete(key));
  }
  return pending;
}

async function compile(pkg: ResolvedPackage, maxPages: number | undefined): Promise<CompiledPackage> {
  let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(await readFile(pkg.wasmPath));
  if (maxPages !== undefined) bytes = limitMemory(bytes, maxPages) as Uint8Array<ArrayBuffer>;
  const startExport = startFunctionExport(bytes);
  const probe = instrumentMemoryGrow(bytes);
  bytes = probe.bytes as Uint8Array<ArrayBuffer>;
  const limits = readMemoryLimits(bytes);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (error) {
    throw new OffloadLoadError(`${pkg.wasmPath} is not a valid WebAssembly module: ${describe(error)}. Rebuild it.`, error);
  }
  return {
    ...pkg,
    module,
    memoryMaxBytes: limits?.max !== undefined ? limits.max * WASM_PAGE : WASM32_MAX_BYTES,
    memoryLimited: maxPages !== undefined,
    growProbe: probe.instrumented,
    startExport,
  };
}
