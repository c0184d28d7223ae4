// Runs the compiled `offload` CLI as users run it, and makes throw-away folders.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');

/**
 * One cargo target folder for the whole suite: std for wasm is compiled from source on the
 * Debian route, and sharing it keeps each test's build to the crate itself.
 */
export const sharedTargetDir = join(homedir(), '.cache', 'offload', 'test-target');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, CARGO_TARGET_DIR: sharedTargetDir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `offload-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * A temporary folder for one test file: made before its tests, removed after them. Read
 * `.path` inside tests (it is set once the `before` hook has run).
 */
export function suiteTempDir(prefix: string): { readonly path: string } {
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  before(async () => {
    dir = await tempDir(prefix);
  });
  after(() => dir?.remove());
  return {
    get path(): string {
      if (!dir) throw new Error('suiteTempDir: .path is only available inside tests');
      return dir.path;
    },
  };
}

/** Copies a crate (sources, manifest, lockfile; never its pkg/ or target/) into `dest`. */
export async function copyCrate(source: string, dest: string): Promise<void> {
  await cp(source, dest, {
    recursive: true,
    filter: (path) => !/[/\\](pkg|target)([/\\]|$)/.test(path.slice(source.length)),
  });
}

/** Loads a --target web glue file and initialises it synchronously, as a worker would. */
export async function loadGlue<T>(pkgDir: string, libName: string, cacheBust = ''): Promise<T> {
  const { readFile } = await import('node:fs/promises');
  // ESM caches modules by URL; a query string gives a rebuilt package a fresh module.
  const url = `${pathToFileURL(join(pkgDir, `${libName}.js`)).href}${cacheBust ? `?${cacheBust}` : ''}`;
  const glue = (await import(url)) as { initSync: (input: { module: BufferSource }) => unknown };
  glue.initSync({ module: await readFile(join(pkgDir, `${libName}_bg.wasm`)) });
  return glue as T;
}
