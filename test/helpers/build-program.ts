/**
 * Builds a crate of WASI test programs (wasm32-wasip1) and returns its binaries by name,
 * through offload's own `buildPackage`, whichever Rust route the machine offers.
 *
 * Also: ensureWasmEdge(), which runs scripts/install-wasmedge.sh (a quick no-op once
 * installed) and returns the wasmedge path, or throws so WasmEdge tests fail, never skip.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildPackage } from '../../src/build/build.js';
import { silentReporter } from '../../src/build/progress.js';

/** The crate of test programs (echo, spin, exitcode, membomb, ...) that the program tests share. */
export const programsCrateDir = fileURLToPath(new URL('../fixtures/programs', import.meta.url));
/** Both program engines, in the order the tests run them. */
export const programEngines = ['v8', 'wasmedge'] as const;

const builds = new Map<string, Promise<Map<string, string>>>();

export function fixtureTargetDir(crateDir: string): string {
  const key = createHash('sha256').update(resolve(crateDir)).digest('hex').slice(0, 16);
  return join(homedir(), '.cache', 'offload', 'fixture-target', `${basename(crateDir)}-${key}`);
}

/**
 * Builds every binary of `crateDir` with `offload build --target wasi` (skipped when nothing
 * changed); returns bin name -> optimised .wasm path.
 */
export function buildProgramFixture(crateDir: string): Promise<Map<string, string>> {
  const dir = resolve(crateDir);
  let job = builds.get(dir);
  if (!job) {
    job = (async () => {
      const built = await buildPackage(dir, { target: 'wasi', targetDir: fixtureTargetDir(dir), reporter: silentReporter });
      return new Map(built.manifest.artifacts.map((a) => [a.name, join(built.pkgDir, a.wasm)]));
    })();
    builds.set(dir, job);
  }
  return job;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Run the install script (a no-op when WasmEdge is present) and return its wasmedge path. */
export async function ensureWasmEdge(): Promise<string> {
  const script = join(repoRoot, 'scripts', 'install-wasmedge.sh');
  try {
    const { stdout } = await promisify(execFile)('bash', [script], { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 });
    const path = stdout.trim().split('\n').pop()!;
    if (!existsSync(path)) throw new Error(`install script printed ${JSON.stringify(path)}, which does not exist`);
    return path;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`WasmEdge is required for these tests and could not be installed: ${err.stderr ?? err.message}`);
  }
}
