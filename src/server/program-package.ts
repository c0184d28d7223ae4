// A package of WASI programs (built by `offload build --target wasi`), served with the WAGI
// (CGI) conventions. Unlike libraries there is nothing to compile up front for V8: each
// request runs a fresh instance of a module that the package's runner compiles once and caches.
// Each package owns one program runner, closed with the package when the server closes.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifestSync } from '../package/manifest.js';
import { OffloadLoadError } from '../runtime/errors.js';
import { createProgramRunner, type ProgramEngine, type ProgramRunner, type RunProgramOptions } from '../programs/index.js';
import type { PackageConfig } from './config.js';

export interface ServedProgram {
  name: string;
  wasm: Uint8Array;
}

export interface ProgramPackage {
  name: string;
  pkgDir: string;
  programs: ServedProgram[];
  /** Grants, environment, limits and engine that every request of this package runs with. */
  base: RunProgramOptions;
  /** Runs this package's programs; close() stops the runs in flight. */
  runner: ProgramRunner;
}

/** The pkg/ folder of a program package, or undefined when `location` holds something else. */
export function findProgramPackage(location: string): string | undefined {
  const target = path.resolve(location);
  for (const dir of [target, path.join(target, 'pkg')]) {
    const manifest = readManifestSync(dir);
    if (manifest) return manifest.kind === 'program' ? dir : undefined;
  }
  return undefined;
}

export async function loadProgramPackage(pkgDir: string, config: PackageConfig): Promise<ProgramPackage> {
  const manifest = readManifestSync(pkgDir);
  if (!manifest) throw new OffloadLoadError(`${pkgDir} has no readable offload.json. Rebuild it with \`offload build --target wasi\`.`);
  const programs = await Promise.all(
    manifest.artifacts.map(async (a) => ({ name: a.name, wasm: new Uint8Array(await readFile(path.join(pkgDir, a.wasm))) })),
  );
  const engine: ProgramEngine = config.engine ?? 'v8';
  const runner = createProgramRunner();
  try {
    // WasmEdge compiles ahead of time; do it now so the first request does not pay for it.
    if (engine === 'wasmedge') await Promise.all(programs.map((p) => runner.prepare(p.wasm)));
  } catch (error) {
    await runner.close();
    throw error;
  }
  const base: RunProgramOptions = { engine, dirs: config.dirs ?? [], env: config.env ?? {} };
  if (config.timeoutMs !== undefined) base.timeoutMs = config.timeoutMs;
  if (config.memoryLimitMb !== undefined) base.memoryLimitMb = config.memoryLimitMb;
  return { name: manifest.name, pkgDir, programs, base, runner };
}
