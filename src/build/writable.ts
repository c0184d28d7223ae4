import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from './exec.js';
import { UnwritableDirectoryError } from './errors.js';

/**
 * Proves a folder can be written by writing to it: permission bits say nothing for root or
 * on a read-only mount, and cargo's own failure here comes late and cryptic.
 */
export async function assertWritableDir(dir: string, what: string, fix: string): Promise<void> {
  const probe = join(dir, `.offload-write-probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UnwritableDirectoryError(`Cannot write the ${what} ${dir} (${reason}). ${fix}`, error);
  }
}

/** Cargo's target folder for a crate: --target-dir, then CARGO_TARGET_DIR, then the workspace's. */
export async function cargoTargetDir(cargo: string, manifestPath: string, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  if (process.env.CARGO_TARGET_DIR) return process.env.CARGO_TARGET_DIR;
  const located = await exec(cargo, ['locate-project', '--workspace', '--message-format', 'plain', '--manifest-path', manifestPath]);
  const workspaceManifest = located.code === 0 ? located.stdout.trim() : manifestPath;
  return join(workspaceManifest, '..', 'target');
}
