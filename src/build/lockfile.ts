import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'smol-toml';
import { LockfileError } from './errors.js';

/** Cargo.lock sits at the workspace root, which may be any ancestor of the crate. */
export async function findLockfile(crateDir: string): Promise<string | undefined> {
  let dir = crateDir;
  for (;;) {
    const candidate = join(dir, 'Cargo.lock');
    try {
      await readFile(candidate);
      return candidate;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

/**
 * The wasm-bindgen version the crate was compiled against. The CLI must match it exactly:
 * the macro and the CLI share an unversioned schema in the .wasm's custom section.
 */
export async function lockedWasmBindgenVersion(lockfilePath: string): Promise<string> {
  const lock = parse(await readFile(lockfilePath, 'utf8')) as { package?: Array<{ name?: string; version?: string }> };
  const versions = [...new Set((lock.package ?? []).filter((p) => p.name === 'wasm-bindgen').map((p) => p.version))];
  if (versions.length === 1 && versions[0]) return versions[0];
  if (versions.length === 0) {
    throw new LockfileError(`${lockfilePath} has no wasm-bindgen package; add wasm-bindgen to [dependencies].`);
  }
  throw new LockfileError(
    `${lockfilePath} locks several wasm-bindgen versions (${versions.join(', ')}); one .wasm can only be bound by ` +
      'one CLI. Align them, e.g. `cargo update -p wasm-bindgen --precise <version>`.',
  );
}
