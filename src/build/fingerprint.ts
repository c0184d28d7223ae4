import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { readDepInfo } from './dep-info.js';
import { pathExists } from './paths.js';

/** Folders that are outputs or tooling state, never inputs of a build. */
const SKIPPED_DIRS = new Set(['target', 'pkg', '.git', 'node_modules']);

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}


async function collectFiles(dir: string, skip: (path: string) => boolean, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !skip(full)) await collectFiles(full, skip, out);
    } else if (entry.isFile()) {
      out.push(full);
    }
  }
}

/**
 * What a build read, as paths relative to the crate: precisely the compiler's inputs plus
 * the manifests when cargo's dep-info is there. A build script may read anything, so a crate
 * with build.rs (or without dep-info) counts every file in its folder.
 */
export async function buildInputs(
  crateDir: string,
  options: { artifacts: string[]; lockfile?: string; outDir: string },
): Promise<string[]> {
  const files = new Set<string>([join(crateDir, 'Cargo.toml')]);
  if (options.lockfile) files.add(options.lockfile);
  const fromDepInfo = await Promise.all(options.artifacts.map(readDepInfo));
  if (!(await pathExists(join(crateDir, 'build.rs'))) && fromDepInfo.every((list) => list !== undefined)) {
    for (const list of fromDepInfo) for (const file of list ?? []) files.add(file);
  } else {
    // The output folder and its staging/old siblings (pkg.staging-123) are outputs, not inputs.
    const isOutput = (path: string) => path === options.outDir || path.startsWith(`${options.outDir}.`);
    const all: string[] = [];
    await collectFiles(crateDir, isOutput, all);
    for (const file of all) files.add(file);
  }
  return [...files].map((file) => relative(crateDir, file)).sort();
}

/**
 * A hash of the inputs' contents and of the settings and tool versions that shape the output.
 * Undefined when an input is gone: then the build must run again.
 */
export async function hashInputs(crateDir: string, inputs: string[], settings: unknown): Promise<string | undefined> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(settings));
  for (const input of inputs) {
    const path = isAbsolute(input) ? input : resolve(crateDir, input);
    const content = await readFile(path).catch(() => undefined);
    if (!content) return undefined;
    hash.update(`\0${input}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}
