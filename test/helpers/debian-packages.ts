// What Debian's own tools say about installed files: which package owns a file (dpkg -S),
// which packages an install command brings in (apt-cache depends), and which shared
// libraries a binary loads (the dynamic loader's own resolution).
import { execFile } from 'node:child_process';
import { open, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const big = { maxBuffer: 64 << 20 };

/** `libc6:amd64` and `libc6` are the same package here. */
const bare = (name: string): string => name.replace(/:[a-z0-9-]+$/, '');

/**
 * Everything `apt-get install --no-install-recommends <packages>` may bring in: the packages
 * and their dependencies, recursively, without Recommends or Suggests. Alternatives and the
 * providers of virtual packages all count, so this is the widest such an install can reach.
 */
export async function aptClosure(packages: readonly string[]): Promise<Set<string>> {
  const { stdout } = await run(
    'apt-cache',
    ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...packages],
    big,
  ).catch((error: Error & { stderr?: string }) => {
    // An image that cleaned /var/lib/apt/lists knows no packages until `apt-get update`.
    throw new Error(`apt-cache depends ${packages.join(' ')} failed (run apt-get update?): ${error.stderr ?? error.message}`);
  });
  // Each package reached gets a header line (not indented); its dependencies follow indented.
  return new Set(stdout.split('\n').filter((line) => line && !/^\s/.test(line)).map((line) => bare(line.trim())));
}

/** /lib and /usr/lib are one folder on a merged-/usr system, but dpkg knows one spelling. */
function spellings(path: string): string[] {
  const merged = /^\/(bin|sbin|lib|lib32|lib64|libx32)\//.test(path) ? `/usr${path}` : undefined;
  const split = /^\/usr\/(bin|sbin|lib|lib32|lib64|libx32)\//.test(path) ? path.slice(4) : undefined;
  return [path, merged, split].filter((p): p is string => Boolean(p));
}

/** The packages dpkg says own each path under any of its spellings (empty: none does), in one query. */
export async function dpkgOwners(paths: readonly string[]): Promise<Map<string, string[]>> {
  const spelled = new Map(paths.map((path) => [path, spellings(path)]));
  const result = await run('dpkg-query', ['-S', ...new Set([...spelled.values()].flat())], big).catch(
    // dpkg-query exits 1 when some path is unknown, and still prints the others.
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const byPath = new Map<string, string[]>();
  for (const line of result.stdout.split('\n')) {
    if (!line || line.startsWith('diversion by')) continue;
    const sep = line.lastIndexOf(': /');
    if (sep < 0) continue;
    byPath.set(line.slice(sep + 2), line.slice(0, sep).split(',').map((name) => bare(name.trim())));
  }
  return new Map(paths.map((path) => [path, [...new Set((spelled.get(path) ?? []).flatMap((p) => byPath.get(p) ?? []))]]));
}

/**
 * Who ships each path: the owners of the path itself and of the file it finally resolves to
 * (a link and its target may come from different packages, as /usr/bin/rust-lld does).
 */
export async function ownersOfPathsAndTargets(paths: readonly string[]): Promise<Map<string, { path: string; owners: string[] }[]>> {
  const targets = new Map(await Promise.all(paths.map(async (path) => [path, await realpath(path)] as const)));
  const owners = await dpkgOwners([...new Set([...paths, ...targets.values()])]);
  return new Map(
    paths.map((path) => {
      const chain = [...new Set([path, targets.get(path) ?? path])];
      return [path, chain.map((p) => ({ path: p, owners: owners.get(p) ?? [] }))];
    }),
  );
}

export async function isElf(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return buffer.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await handle.close();
  }
}

export interface LoadedLibraries {
  resolved: string[];
  /** Sonames the loader could not find. */
  missing: string[];
}

/**
 * The shared libraries a binary loads, as its dynamic loader resolves them: `ldd`, or a
 * given loader's `--list` (for a private prefix with its own loader and library path).
 */
export async function loadedLibraries(binary: string, loader?: { path: string; libraryPath: string }): Promise<LoadedLibraries> {
  const { stdout } = loader
    ? await run(loader.path, ['--library-path', loader.libraryPath, '--list', binary], big)
    : await run('ldd', [binary], big);
  const resolved: string[] = [];
  const missing: string[] = [];
  for (const line of stdout.split('\n').map((l) => l.trim())) {
    const arrow = /^(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow?.[2] === 'not found') missing.push(arrow[1] ?? line);
    else if (arrow?.[2]?.startsWith('/')) resolved.push(arrow[2]);
    else if (/^\/\S+ \(0x[0-9a-f]+\)$/.test(line)) resolved.push(line.split(' ')[0] as string);
  }
  return { resolved, missing };
}
