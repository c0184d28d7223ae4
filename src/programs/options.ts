/** runProgram's options and result, and their validation into one normalized shape. */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, posix } from 'node:path';
import { InvalidProgramOptionsError } from './errors.js';

export type ProgramEngine = 'v8' | 'wasmedge';

export interface DirGrant {
  /** Absolute path the guest sees, e.g. `/data`. */
  guest: string;
  /** Host directory behind it. It is resolved once, so a symlinked grant root is allowed. */
  host: string;
  /** Refuse every write, create, rename and delete inside the grant. */
  readOnly?: boolean;
}

export interface RunProgramOptions {
  /** Arguments after argv[0]. */
  args?: readonly string[];
  /** The only environment variables the guest sees; the host's are never inherited. */
  env?: Readonly<Record<string, string>>;
  stdin?: string | Uint8Array;
  dirs?: readonly DirGrant[];
  /** Wall-clock limit, default 30 000 ms. The worker or process is killed when it passes. */
  timeoutMs?: number;
  /** Linear memory limit, default 256 MiB. */
  memoryLimitMb?: number;
  /** `v8` (default, in-process worker threads) or `wasmedge` (AOT, out of process). */
  engine?: ProgramEngine;
}

export interface ProgramResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
  engine: ProgramEngine;
  durationMs: number;
}

export interface NormalizedGrant {
  guest: string;
  host: string;
  readOnly: boolean;
}

export interface NormalizedOptions {
  /** argv[0] included. */
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  dirs: NormalizedGrant[];
  timeoutMs: number;
  memoryLimitMb: number;
  engine: ProgramEngine;
}

/**
 * argv[0] as both engines show it. WasmEdge passes the module's file name, so its AOT
 * artifact is always stored under this name, and V8 uses the same, which keeps host paths
 * out of the guest and results identical.
 */
export const PROGRAM_ARGV0 = 'program.wasm';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_LIMIT_MB = 256;
/** Per stream; a program printing forever is cut off here rather than filling the heap. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export function normalizeOptions(options: RunProgramOptions = {}): NormalizedOptions {
  const engine = options.engine ?? 'v8';
  if (engine !== 'v8' && engine !== 'wasmedge') {
    throw new InvalidProgramOptionsError(`engine must be "v8" or "wasmedge", got ${JSON.stringify(engine)}`);
  }
  const args = [...(options.args ?? [])];
  for (const a of args) {
    if (typeof a !== 'string' || a.includes('\0')) throw new InvalidProgramOptionsError(`argument ${JSON.stringify(a)} must be a string without NUL`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (k === '' || k.includes('=') || k.includes('\0') || typeof v !== 'string' || v.includes('\0')) {
      throw new InvalidProgramOptionsError(`environment variable ${JSON.stringify(k)} needs a name without "=" or NUL and a string value without NUL`);
    }
    env[k] = v;
  }
  const stdin = typeof options.stdin === 'string' ? Buffer.from(options.stdin) : (options.stdin ?? new Uint8Array(0));

  const dirs: NormalizedGrant[] = [];
  const seen = new Set<string>();
  for (const d of options.dirs ?? []) {
    if (!d.guest.startsWith('/') || d.guest.includes('\0')) {
      throw new InvalidProgramOptionsError(`guest path ${JSON.stringify(d.guest)} must be absolute, like "/data"`);
    }
    const guest = posix.normalize(d.guest).replace(/(.)\/$/, '$1');
    if (seen.has(guest)) throw new InvalidProgramOptionsError(`guest path ${guest} is granted twice`);
    seen.add(guest);
    if (!isAbsolute(d.host)) throw new InvalidProgramOptionsError(`host path ${JSON.stringify(d.host)} must be absolute`);
    let host: string;
    try {
      host = realpathSync(d.host);
      if (!statSync(host).isDirectory()) throw new Error('not a directory');
    } catch (e) {
      throw new InvalidProgramOptionsError(`host directory ${d.host} for ${guest} cannot be granted: ${(e as Error).message}`);
    }
    // WasmEdge's --dir syntax separates fields with ':'; refuse rather than mis-grant.
    if (engine === 'wasmedge' && (host.includes(':') || guest.includes(':'))) {
      throw new InvalidProgramOptionsError(`WasmEdge cannot grant paths containing ":" (${guest} -> ${host})`);
    }
    dirs.push({ guest, host, readOnly: d.readOnly === true });
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InvalidProgramOptionsError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  if (!Number.isFinite(memoryLimitMb) || memoryLimitMb <= 0 || memoryLimitMb > 4096) {
    throw new InvalidProgramOptionsError(`memoryLimitMb must be between 1 and 4096, got ${memoryLimitMb}`);
  }
  return { args: [PROGRAM_ARGV0, ...args], env, stdin, dirs, timeoutMs, memoryLimitMb, engine };
}
