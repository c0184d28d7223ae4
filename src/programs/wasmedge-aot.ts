/**
 * WasmEdge AOT artifacts, compiled once per (module hash, WasmEdge version) and kept in
 * ~/.cache/offload/aot (or OFFLOAD_AOT_CACHE). Each artifact lives in its own directory
 * under the fixed name program.wasm, which WasmEdge passes to the guest as argv[0].
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EngineFailedError } from './errors.js';
import { PROGRAM_ARGV0 } from './options.js';
import type { WasmEdgeBinary } from './wasmedge-locate.js';

export function aotCacheDir(): string {
  return process.env.OFFLOAD_AOT_CACHE ?? join(homedir(), '.cache', 'offload', 'aot');
}

export interface AotArtifact {
  dir: string;
  path: string;
  /** True when this call compiled it; false when it came from the cache. */
  compiled: boolean;
}

const inFlight = new Map<string, Promise<AotArtifact>>();

export function aotCompile(wasmedge: WasmEdgeBinary, bytes: Uint8Array, hash: string): Promise<AotArtifact> {
  const dir = join(aotCacheDir(), `${hash}-wasmedge-${wasmedge.version}`);
  const path = join(dir, PROGRAM_ARGV0);
  if (existsSync(path)) return Promise.resolve({ dir, path, compiled: false });
  let job = inFlight.get(dir);
  if (!job) {
    job = (async () => {
      mkdirSync(dir, { recursive: true });
      // Compile to unique temporary names and rename: concurrent processes may race here,
      // and a half-written artifact must never be picked up.
      const tmp = join(dir, `.tmp-${process.pid}-${Date.now()}`);
      try {
        writeFileSync(`${tmp}.in.wasm`, bytes);
        await promisify(execFile)(wasmedge.path, ['compile', `${tmp}.in.wasm`, `${tmp}.out.wasm`], {
          timeout: 10 * 60_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        renameSync(`${tmp}.out.wasm`, path);
        return { dir, path, compiled: true };
      } catch (e) {
        const err = e as Error & { stderr?: string };
        throw new EngineFailedError('WasmEdge', `wasmedge compile failed: ${(err.stderr || err.message).trim()}`);
      } finally {
        rmSync(`${tmp}.in.wasm`, { force: true });
        rmSync(`${tmp}.out.wasm`, { force: true });
        inFlight.delete(dir);
      }
    })();
    inFlight.set(dir, job);
  }
  return job;
}
