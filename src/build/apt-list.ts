import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder of package lists (scripts/packages/<tool>.apt): one Debian package per line, `#`
 * comments. The shell installers, offload's own setup and the provenance test all read these
 * files, so what is installed and what is proven to be installed can never drift apart.
 * Resolved from this file, which sits two levels down in both src/ and dist/.
 */
export const PACKAGE_LISTS_DIR = fileURLToPath(new URL('../../scripts/packages/', import.meta.url));

export interface AptList {
  packages: string[];
  /** Files the list must bring in, from `# provides: /abs/path` lines (checked by the tests). */
  provides: string[];
}

export function parseAptList(text: string): AptList {
  const packages: string[] = [];
  const provides: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const provided = /^#\s*provides:\s*(\S+)/.exec(line);
    if (provided?.[1]) provides.push(provided[1]);
    const name = line.replace(/#.*/, '').trim();
    if (name) packages.push(name);
  }
  return { packages, provides };
}

/** Reads scripts/packages/<file> synchronously: it is tiny, and module constants depend on it. */
export function readAptList(file: string): AptList {
  return parseAptList(readFileSync(`${PACKAGE_LISTS_DIR}${file}`, 'utf8'));
}
