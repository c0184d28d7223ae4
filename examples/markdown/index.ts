// Renders a markdown file to HTML through offload: the crate is built (or found up to date),
// loaded into a worker pool, and each call crosses into a worker and into wasm and back.
//
//   node --import tsx examples/markdown/index.ts [FILE.md] [--trusted] > out.html
//
// Without a file it renders this repository's README.md. By default raw HTML in the markdown
// is escaped (safe for untrusted input); --trusted lets it through, as markdown-it with
// `{ html: true }` and marked do, for documents you trust or sanitise afterwards.
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load, type Offloaded } from '../../src/runtime/index.js';
import type { MarkdownGlue } from './api.js';
import { buildMarkdown, pkgDir } from './build.js';

export type Markdown = Offloaded<MarkdownGlue>;

/** Builds the package if needed and loads it; `$close()` the result when done. */
export async function loadMarkdown(options: { mode?: 'pool' | 'inline'; threads?: number } = {}): Promise<Markdown> {
  await buildMarkdown({ quiet: true });
  return load<MarkdownGlue>(pkgDir, options);
}

export async function renderFile(markdown: Markdown, file: string, trusted = false): Promise<string> {
  const text = await readFile(file, 'utf8');
  return trusted ? markdown.to_html_trusted(text) : markdown.to_html(text);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const trusted = args.includes('--trusted');
  const file = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../../README.md', import.meta.url));
  const markdown = await loadMarkdown();
  try {
    process.stdout.write(await renderFile(markdown, file, trusted));
  } finally {
    await markdown.$close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
