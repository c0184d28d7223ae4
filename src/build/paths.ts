import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Everything offload installs or caches lives outside the user's repository, so a `git clean`
 * never throws away minutes of compiled tools. OFFLOAD_CACHE_DIR moves it (CI caches, tests).
 */
export function cacheDir(...parts: string[]): string {
  const base = process.env.OFFLOAD_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'offload');
  return join(base, ...parts);
}

export async function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
