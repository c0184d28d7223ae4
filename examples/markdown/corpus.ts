// The benchmark's documents: real READMEs, the ones npm packages ship in this repository's
// node_modules. The choice is deterministic for a given install: every file named exactly
// README.md (nested node_modules included, symlinks not followed), duplicates by content
// removed, sorted by size (largest first, then path), the first `count` taken.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CorpusDocument {
  /** Path relative to the repository root, e.g. node_modules/markdown-it/README.md. */
  name: string;
  path: string;
  /** Size in UTF-8 bytes. */
  bytes: number;
  text: string;
}

function findReadmes(dir: string, found: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Dirent reports symlinks as such, so linked folders (.bin, workspaces) are not walked twice.
    if (entry.isDirectory()) findReadmes(join(dir, entry.name), found);
    else if (entry.isFile() && entry.name === 'README.md') found.push(join(dir, entry.name));
  }
}

export function readmeCorpus(count = 30, root = join(repoRoot, 'node_modules')): CorpusDocument[] {
  const paths: string[] = [];
  findReadmes(root, paths);
  const seen = new Set<string>();
  const unique: { path: string; bytes: number }[] = [];
  for (const path of paths) {
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (seen.has(hash)) continue;
    seen.add(hash);
    unique.push({ path, bytes: statSync(path).size });
  }
  unique.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return unique.slice(0, count).map(({ path, bytes }) => ({
    name: relative(repoRoot, path),
    path,
    bytes,
    text: readFileSync(path, 'utf8'),
  }));
}

/** One document made of all of them, blank-line separated so no open block runs into the next. */
export function concatenate(documents: CorpusDocument[]): string {
  return documents.map((d) => d.text).join('\n\n');
}
