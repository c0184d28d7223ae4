// `offload serve --config file`: which packages to serve and each one's runtime limits.
//
//   {
//     "port": 8080, "host": "127.0.0.1", "shutdownTimeoutMs": 10000, "watch": false,
//     "defaults": { "threads": 2, "timeoutMs": 1000 },
//     "packages": { "hello": { "path": "examples/hello/pkg", "memoryLimitMb": 64, "maxQueue": 100 } }
//   }
//
// A library package may name an `init` export that each instance runs once as it starts (see
// load()'s init), with arguments that are JSON values or files: { "file": "model.bin" } for
// bytes, { "file": "vocab.json", "encoding": "utf8" } for text. A file path may start with ~/.
//
// `packages` may also be a list of paths or of { path, ... } objects. Relative paths are
// resolved against the config file's folder, so the file can move with the project.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { DirGrant, ProgramEngine } from '../programs/index.js';
import { OffloadBadArgumentError } from '../runtime/index.js';

export interface RuntimeLimits {
  /** Worker threads for this package (a fixed number). */
  threads?: number;
  /** Longest a call may run; a slower call answers 504 and its worker is replaced. */
  timeoutMs?: number;
  /** Cap on each instance's linear memory; a call that exceeds it answers 500 ERR_OFFLOAD_MEMORY. */
  memoryLimitMb?: number;
  /** Calls allowed to wait for a thread; beyond it a call answers 503 with Retry-After. */
  maxQueue?: number;
  /** Longest a call may wait for a thread (default: timeoutMs); longer waits answer 503 with Retry-After. */
  queueTimeoutMs?: number;
  /** Largest request body accepted, in MiB (default 1); larger bodies answer 413. */
  bodyLimitMb?: number;
}

export interface PackageConfig extends RuntimeLimits {
  /** A pkg/ folder, a built crate folder, or a .js glue file. */
  path: string;
  /** WASI program packages only: the engine, and the only folders and variables they get. */
  engine?: ProgramEngine;
  dirs?: DirGrant[];
  env?: Record<string, string>;
  /** Library packages only: the export each instance runs once as it starts, and its arguments. */
  init?: InitConfig;
}

/** An init argument: a JSON value, or a file read once when the server starts. */
export type InitArg = { file: string; encoding?: 'utf8' } | { value: unknown };

export interface InitConfig {
  function: string;
  args: InitArg[];
}

export interface ServeConfig {
  port?: number;
  host?: string;
  watch?: boolean;
  shutdownTimeoutMs?: number;
  defaults?: RuntimeLimits;
  packages: PackageConfig[];
}

const LIMIT_KEYS = ['threads', 'timeoutMs', 'memoryLimitMb', 'maxQueue', 'queueTimeoutMs', 'bodyLimitMb'] as const;

export async function readServeConfig(file: string): Promise<ServeConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new OffloadBadArgumentError(`cannot read the serve config ${file}: ${(error as Error).message}. It must be a JSON file.`);
  }
  return parseServeConfig(raw, path.dirname(path.resolve(file)), file);
}

export function parseServeConfig(raw: unknown, baseDir: string, source = 'config'): ServeConfig {
  const fail = (what: string): never => {
    throw new OffloadBadArgumentError(`${source}: ${what}.`);
  };
  if (!isObject(raw)) return fail('the top level must be a JSON object');
  const config: ServeConfig = { packages: [] };
  if (raw.port !== undefined) config.port = integer(raw.port, 'port', fail, 0);
  if (raw.host !== undefined) config.host = typeof raw.host === 'string' ? raw.host : fail('host must be a string');
  if (raw.watch !== undefined) config.watch = typeof raw.watch === 'boolean' ? raw.watch : fail('watch must be true or false');
  if (raw.shutdownTimeoutMs !== undefined) config.shutdownTimeoutMs = integer(raw.shutdownTimeoutMs, 'shutdownTimeoutMs', fail, 1);
  if (raw.defaults !== undefined) config.defaults = limits(raw.defaults, 'defaults', fail);
  const entries: [string, unknown][] = Array.isArray(raw.packages)
    ? raw.packages.map((p, i) => [`packages[${i}]`, p])
    : isObject(raw.packages)
      ? Object.entries(raw.packages).map(([name, p]) => [`packages.${name}`, p])
      : fail('packages must be a list or an object of packages');
  for (const [where, entry] of entries) {
    const spec = typeof entry === 'string' ? { path: entry } : entry;
    if (!isObject(spec) || typeof spec.path !== 'string') return fail(`${where} needs a "path" to a built package`);
    const pkg: PackageConfig = { ...limits(spec, where, fail), ...capabilities(spec, where, baseDir, fail), path: path.resolve(baseDir, spec.path) };
    if (spec.init !== undefined) pkg.init = initConfig(spec.init, `${where}.init`, baseDir, fail);
    config.packages.push(pkg);
  }
  return config;
}

function limits(raw: unknown, where: string, fail: (what: string) => never): RuntimeLimits {
  if (!isObject(raw)) return fail(`${where} must be an object`);
  const result: RuntimeLimits = {};
  for (const key of LIMIT_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= (key === 'maxQueue' ? 0 : Number.MIN_VALUE))) {
      fail(`${where}.${key} must be a ${key === 'maxQueue' ? 'non-negative' : 'positive'} number, got ${JSON.stringify(value)}`);
    }
    result[key] = value as number;
  }
  return result;
}

/** A program package's engine and grants; nothing is granted that the file does not name. */
function capabilities(
  raw: Record<string, unknown>,
  where: string,
  baseDir: string,
  fail: (what: string) => never,
): Pick<PackageConfig, 'engine' | 'dirs' | 'env'> {
  const result: Pick<PackageConfig, 'engine' | 'dirs' | 'env'> = {};
  if (raw.engine !== undefined) {
    if (raw.engine !== 'v8' && raw.engine !== 'wasmedge') fail(`${where}.engine must be "v8" or "wasmedge"`);
    result.engine = raw.engine as ProgramEngine;
  }
  if (raw.dirs !== undefined) {
    if (!Array.isArray(raw.dirs)) return fail(`${where}.dirs must be a list of { host, guest, readOnly? }`);
    result.dirs = raw.dirs.map((d, i) => {
      if (!isObject(d) || typeof d.host !== 'string' || typeof d.guest !== 'string') {
        return fail(`${where}.dirs[${i}] needs "host" and "guest" paths`);
      }
      return { host: path.resolve(baseDir, d.host), guest: d.guest, readOnly: d.readOnly === true };
    });
  }
  if (raw.env !== undefined) {
    if (!isObject(raw.env) || !Object.values(raw.env).every((v) => typeof v === 'string')) {
      return fail(`${where}.env must be an object of strings`);
    }
    result.env = raw.env as Record<string, string>;
  }
  return result;
}

function initConfig(raw: unknown, where: string, baseDir: string, fail: (what: string) => never): InitConfig {
  if (!isObject(raw) || typeof raw.function !== 'string') return fail(`${where} needs "function", the export each instance runs as it starts`);
  if (raw.args !== undefined && !Array.isArray(raw.args)) return fail(`${where}.args must be a list`);
  const args = ((raw.args as unknown[] | undefined) ?? []).map((arg, i): InitArg => {
    if (!isObject(arg) || arg.file === undefined) return { value: arg };
    if (typeof arg.file !== 'string') return fail(`${where}.args[${i}].file must be a path`);
    if (arg.encoding !== undefined && arg.encoding !== 'utf8') return fail(`${where}.args[${i}].encoding must be "utf8" (text) or left out (bytes)`);
    const file = arg.file.startsWith('~/') ? path.join(homedir(), arg.file.slice(2)) : path.resolve(baseDir, arg.file);
    return arg.encoding ? { file, encoding: 'utf8' } : { file };
  });
  return { function: raw.function, args };
}

function integer(value: unknown, name: string, fail: (what: string) => never, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) return fail(`${name} must be an integer of at least ${min}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Per-package limits: explicit flags win over the package's own entry, which wins over defaults. */
export function resolveLimits(pkg: PackageConfig, defaults: RuntimeLimits = {}, flags: RuntimeLimits = {}): PackageConfig {
  const merged: PackageConfig = { path: pkg.path };
  if (pkg.engine) merged.engine = pkg.engine;
  if (pkg.dirs) merged.dirs = pkg.dirs;
  if (pkg.env) merged.env = pkg.env;
  if (pkg.init) merged.init = pkg.init;
  for (const key of LIMIT_KEYS) {
    const value = flags[key] ?? pkg[key] ?? defaults[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}
