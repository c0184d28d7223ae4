/**
 * Finding WasmEdge: OFFLOAD_WASMEDGE, then `wasmedge` on PATH (a developer's own install
 * wins), then the private prefix that scripts/install-wasmedge.sh fills.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { EngineMissingError } from './errors.js';

export interface WasmEdgeBinary {
  path: string;
  /** e.g. `0.14.1`; part of the AOT cache key, since artifacts are version-specific. */
  version: string;
}

export const PRIVATE_WASMEDGE = join(homedir(), '.cache', 'offload', 'wasmedge', 'bin', 'wasmedge');
const INSTALL_HINT = 'run scripts/install-wasmedge.sh (it installs WasmEdge 0.14 into ~/.cache/offload/wasmedge), put wasmedge on PATH, or set OFFLOAD_WASMEDGE';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function candidatePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.OFFLOAD_WASMEDGE) out.push(env.OFFLOAD_WASMEDGE);
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) out.push(join(dir, 'wasmedge'));
  out.push(PRIVATE_WASMEDGE);
  return out;
}

let found: Promise<WasmEdgeBinary> | undefined;

export function locateWasmEdge(): Promise<WasmEdgeBinary> {
  found ??= (async () => {
    const tried: string[] = [];
    for (const path of candidatePaths()) {
      if (!executable(path)) continue;
      try {
        const { stdout } = await promisify(execFile)(path, ['--version'], { timeout: 10_000 });
        const version = /(\d+\.\d+\.\d+\S*)/.exec(stdout)?.[1];
        if (version) return { path, version };
        tried.push(`${path} (unexpected --version output)`);
      } catch (e) {
        tried.push(`${path} (${(e as Error).message.split('\n')[0]})`);
      }
    }
    throw new EngineMissingError('WasmEdge', tried.length ? `no working wasmedge (tried ${tried.join(', ')}); ${INSTALL_HINT}` : INSTALL_HINT);
  })();
  // A failed lookup is retried next time: the user may install WasmEdge meanwhile.
  found.catch(() => (found = undefined));
  return found;
}
