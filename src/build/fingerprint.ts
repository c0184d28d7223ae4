import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Folders that are outputs or tooling state, never inputs of a build. */
const SKIPPED_DIRS = new Set(['target', 'pkg', '.git', 'node_modules']);

async function collectFiles(root: string, dir: string, skip: (path: string) => boolean, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || skip(full)) continue;
      await collectFiles(root, full, skip, out);
    } else if (entry.isFile()) {
      out.push(relative(root, full));
    }
  }
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/**
 * A hash of everything a build reads: the crate's files, the lockfile (which may live in a
 * workspace root above the crate), and the settings and tool versions that change the output.
 * Equal hashes mean the previous output can be reused as it is.
 */
export async function fingerprint(
  crateDir: string,
  options: { lockfile?: string; outDir: string; settings: unknown },
): Promise<string> {
  const files: string[] = [];
  // The output folder and its staging/old siblings (pkg.staging-123) are outputs, not inputs.
  const isOutput = (path: string) => path === options.outDir || path.startsWith(`${options.outDir}.`);
  await collectFiles(crateDir, crateDir, isOutput, files);
  files.sort();
  const hash = createHash('sha256');
  hash.update(JSON.stringify(options.settings));
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(await readFile(join(crateDir, file)));
  }
  if (options.lockfile && relative(crateDir, options.lockfile).startsWith('..')) {
    hash.update('\0Cargo.lock\0');
    hash.update(await readFile(options.lockfile).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex');
}
