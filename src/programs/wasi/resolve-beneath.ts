/**
 * Confined path resolution for the V8 WASI layer: the JS counterpart of openat2's
 * RESOLVE_BENEATH. Node's own node:wasi hands guest paths to the OS after a lexical check,
 * so a symlink inside a grant leads anywhere; here every component is walked and every
 * symlink read and re-resolved by us, so nothing the guest names can leave its grant.
 *
 * Rules (the same as Wasmtime's cap-std and WasmEdge): absolute guest paths, `..` above the
 * grant root, and symlinks whose target is absolute or climbs above the root all fail with
 * PERM; symlinks that stay inside are followed.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Errno } from './constants.js';

/** A WASI failure carrying its errno; the import wrappers turn it into a return value. */
export class WasiErrnoError extends Error {
  constructor(readonly errno: number, message = `wasi errno ${errno}`) {
    super(message);
  }
}

/** Symlink hops allowed in one resolution, as Linux's MAXSYMLINKS. */
const MAX_SYMLINK_HOPS = 40;

export interface Resolved {
  /**
   * Host path of the result (the grant root joined with `components`). A trailing `/` in the
   * guest's path is kept, so the kernel refuses it on a non-directory (NOTDIR) exactly as it
   * would for a native program, rather than it being silently dropped.
   */
  host: string;
  /** Components below the grant root, after `.`, `..` and symlinks were applied. */
  components: string[];
}

/**
 * Resolve `guestPath` relative to a directory that is `base` components below `root`.
 * `followFinal` follows a symlink in the last component (lookupflags SYMLINK_FOLLOW);
 * intermediate symlinks are always followed, as POSIX does.
 */
export function resolveBeneath(root: string, base: readonly string[], guestPath: string, followFinal: boolean): Resolved {
  if (guestPath.length === 0) throw new WasiErrnoError(Errno.NOENT);
  if (guestPath.includes('\0')) throw new WasiErrnoError(Errno.INVAL);
  if (guestPath.startsWith('/')) throw new WasiErrnoError(Errno.PERM, 'absolute paths are not capabilities');

  const stack = [...base];
  // A trailing slash means "this must be a directory", which requires following the link.
  const mustBeDir = guestPath.endsWith('/');
  const queue = guestPath.split('/').filter((c) => c !== '');
  let hops = 0;
  while (queue.length > 0) {
    const component = queue.shift()!;
    if (component === '.') continue;
    if (component === '..') {
      if (stack.length === 0) throw new WasiErrnoError(Errno.PERM, '.. leaves the grant');
      stack.pop();
      continue;
    }
    const isLast = queue.length === 0;
    const candidate = join(root, ...stack, component);
    if (!isLast || followFinal || mustBeDir) {
      const st = lstatSync(candidate, { throwIfNoEntry: false });
      if (st?.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw new WasiErrnoError(Errno.LOOP);
        const target = readlinkSync(candidate);
        if (target.startsWith('/')) throw new WasiErrnoError(Errno.PERM, 'symlink to an absolute path');
        if (target.length === 0) throw new WasiErrnoError(Errno.NOENT);
        // The link's target replaces it; its `..` climbs from the link's own directory,
        // which is exactly `stack` here, and is checked against the root like any other.
        queue.unshift(...target.split('/').filter((c) => c !== ''));
        continue;
      }
      if (!isLast) {
        if (!st) throw new WasiErrnoError(Errno.NOENT);
        if (!st.isDirectory()) throw new WasiErrnoError(Errno.NOTDIR);
      }
    }
    stack.push(component);
  }
  const host = join(root, ...stack);
  return { host: mustBeDir && stack.length > 0 ? `${host}/` : host, components: stack };
}
