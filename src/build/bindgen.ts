import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, firstLine } from './exec.js';
import { InstallError, ToolchainMissingError } from './errors.js';
import { cacheDir } from './paths.js';
import type { Reporter } from './progress.js';

function binaryPath(version: string): string {
  return join(cacheDir('wasm-bindgen-cli', version), 'bin', 'wasm-bindgen');
}

/** Versions of wasm-bindgen-cli that offload has installed, newest last. */
export async function cachedWasmBindgenVersions(): Promise<string[]> {
  const entries = await readdir(cacheDir('wasm-bindgen-cli')).catch(() => [] as string[]);
  const usable = await Promise.all(
    entries.map(async (version) => ((await firstLine(binaryPath(version), ['--version'])) ? version : undefined)),
  );
  return usable.filter((v): v is string => Boolean(v)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Returns a wasm-bindgen binary of exactly `version`, installing it with cargo on first use.
 * Each version lives in its own folder, so crates pinned to different versions coexist.
 */
export async function ensureWasmBindgen(version: string, hostCargo: string | undefined, reporter: Reporter): Promise<string> {
  const binary = binaryPath(version);
  const found = await firstLine(binary, ['--version']);
  if (found?.endsWith(version)) return binary;
  if (!hostCargo) {
    throw new ToolchainMissingError(
      `wasm-bindgen-cli ${version} is needed and there is no cargo to install it with. Run \`offload setup\`.`,
    );
  }
  const finalRoot = cacheDir('wasm-bindgen-cli', version);
  // Install beside the final folder and rename, so an interrupted or concurrent install never
  // leaves a half-written binary where the next build would trust it.
  const stagingRoot = `${finalRoot}.partial-${process.pid}`;
  await mkdir(stagingRoot, { recursive: true });
  const step = reporter.step(`installing wasm-bindgen-cli ${version} (once per version; takes a few minutes)`);
  // Not --locked: a registry mirror may lag the CLI's own lockfile by a patch release of some
  // dependency; cargo then picks the newest compatible one, which is what `cargo install` does.
  const result = await exec(
    hostCargo,
    ['install', 'wasm-bindgen-cli', '--version', `=${version}`, '--root', stagingRoot, '--no-track'],
    { stderr: reporter.quiet ? 'pipe' : 'inherit' },
  );
  if (result.code !== 0) {
    step.fail(`cargo install exited with ${result.code}`);
    await rm(stagingRoot, { recursive: true, force: true });
    throw new InstallError(
      `Could not install wasm-bindgen-cli ${version}${reporter.quiet ? `:\n${result.stderr.trim()}\n` : " (cargo's messages are above)."} ` +
        `Check the version exists (\`cargo info wasm-bindgen-cli@${version}\`), or pin wasm-bindgen to one that does.`,
    );
  }
  await rm(finalRoot, { recursive: true, force: true });
  await rename(stagingRoot, finalRoot).catch(async (error: NodeJS.ErrnoException) => {
    // Another build finished the same install first; its copy is as good as ours.
    await rm(stagingRoot, { recursive: true, force: true });
    if (!(await firstLine(binary, ['--version']))) throw error;
  });
  step.done();
  return binary;
}

export async function runWasmBindgen(binary: string, wasmPath: string, outDir: string, outName: string): Promise<void> {
  const result = await exec(binary, ['--target', 'web', '--out-dir', outDir, '--out-name', outName, wasmPath]);
  if (result.code !== 0) {
    throw new InstallError(`wasm-bindgen failed on ${wasmPath}:\n${result.stderr.trim()}`);
  }
}
