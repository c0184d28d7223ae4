/** The host side of files: file types, open flags, timestamps and WASI's filestat layout. */
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Errno, FdFlags, FileType, FstFlags } from './constants.js';
import type { GuestMemory } from './guest-memory.js';
import { WasiErrnoError } from './resolve-beneath.js';

export function fileTypeOf(st: fs.Stats | fs.BigIntStats): number {
  if (st.isFile()) return FileType.REGULAR_FILE;
  if (st.isDirectory()) return FileType.DIRECTORY;
  if (st.isSymbolicLink()) return FileType.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FileType.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FileType.BLOCK_DEVICE;
  if (st.isSocket()) return FileType.SOCKET_STREAM;
  return FileType.UNKNOWN;
}

/** WASI's 64-byte filestat record. */
export function writeFilestat(memory: GuestMemory, ptr: number, st: fs.BigIntStats): void {
  const v = memory.view();
  memory.bytes(ptr, 64);
  v.setBigUint64(ptr, st.dev, true);
  v.setBigUint64(ptr + 8, st.ino, true);
  v.setUint8(ptr + 16, fileTypeOf(st));
  v.setBigUint64(ptr + 24, st.nlink, true);
  v.setBigUint64(ptr + 32, st.size, true);
  v.setBigUint64(ptr + 40, st.atimeNs, true);
  v.setBigUint64(ptr + 48, st.mtimeNs, true);
  v.setBigUint64(ptr + 56, st.ctimeNs, true);
}

/** Open flags for a host fd from its access mode and WASI fdflags (no create/truncate). */
export function hostFlags(readable: boolean, writable: boolean, fdflags: number): number {
  const c = fs.constants;
  let flags = c.O_NOFOLLOW | (writable ? (readable ? c.O_RDWR : c.O_WRONLY) : c.O_RDONLY);
  if (fdflags & FdFlags.APPEND) flags |= c.O_APPEND;
  if (fdflags & (FdFlags.SYNC | FdFlags.RSYNC)) flags |= c.O_SYNC;
  if (fdflags & FdFlags.DSYNC) flags |= c.O_DSYNC;
  return flags;
}

/**
 * `touch -d @SECONDS.NANOSECONDS`: node:fs only takes times as float seconds, which cannot
 * hold a 2020s timestamp to the nanosecond, while WASI times are exact nanoseconds. GNU touch
 * calls utimensat with the exact value. `-h` changes a symlink itself.
 */
export function setTimes(hostPath: string, noFollow: boolean, atim: bigint, mtim: bigint, flags: number): void {
  const at = (flags & FstFlags.ATIM_NOW) ? 'now' : (flags & FstFlags.ATIM) ? atim : undefined;
  const mt = (flags & FstFlags.MTIM_NOW) ? 'now' : (flags & FstFlags.MTIM) ? mtim : undefined;
  const stamp = (t: bigint | 'now'): string[] =>
    t === 'now' ? [] : ['-d', `@${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, '0')}`];
  const touch = (which: '-a' | '-m', t: bigint | 'now') =>
    execFileSync('touch', ['-c', which, ...(noFollow ? ['-h'] : []), ...stamp(t), '--', hostPath], {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: 'ignore',
    });
  if (at !== undefined) touch('-a', at);
  if (mt !== undefined) touch('-m', mt);
}

/** ATIM with ATIM_NOW (or MTIM with MTIM_NOW) names two times at once: INVAL, as POSIX. */
export function validateFstFlags(flags: number): void {
  const both = (a: number, b: number) => (flags & a) !== 0 && (flags & b) !== 0;
  if (both(FstFlags.ATIM, FstFlags.ATIM_NOW) || both(FstFlags.MTIM, FstFlags.MTIM_NOW)) throw new WasiErrnoError(Errno.INVAL);
  if (flags & ~(FstFlags.ATIM | FstFlags.ATIM_NOW | FstFlags.MTIM | FstFlags.MTIM_NOW)) throw new WasiErrnoError(Errno.INVAL);
}

export function isInside(root: string, hostPath: string): boolean {
  return hostPath === root || hostPath.startsWith(root.endsWith('/') ? root : root + '/');
}
