import { readFile } from 'node:fs/promises';

/**
 * The local files rustc read for an artifact (sources, include_bytes! data, path
 * dependencies), from the dep-info file cargo writes beside it; undefined when there is none.
 * Registry crates are not listed: Cargo.lock pins them.
 */
export async function readDepInfo(artifactPath: string): Promise<string[] | undefined> {
  const text = await readFile(artifactPath.replace(/\.wasm$/, '.d'), 'utf8').catch(() => undefined);
  const rule = text?.split('\n').find((line) => line.includes(': '));
  if (!rule) return undefined;
  // Make syntax: dependencies separated by spaces, spaces inside a path escaped as "\ ".
  return rule
    .slice(rule.indexOf(': ') + 2)
    .split(/(?<!\\)\s+/)
    .filter(Boolean)
    .map((path) => path.replaceAll('\\ ', ' '));
}
