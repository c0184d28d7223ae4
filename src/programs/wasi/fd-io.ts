/**
 * Reading and writing through a descriptor, at its position (`at` null) or at an offset
 * (pread/pwrite): stdio goes to the Stdio buffers, files to their host fd.
 */
import * as fs from 'node:fs';
import { Errno, FdFlags, Rights } from './constants.js';
import type { WasiContext } from './context.js';
import { need } from './fd-table.js';
import { WasiErrnoError } from './resolve-beneath.js';

export function readInto({ memory, fds, stdio }: WasiContext, fd: number, iovs: number, iovsLen: number, at: bigint | null): number {
  const e = fds.entry(fd);
  const bufs = memory.iovecs(iovs, iovsLen);
  if (e.kind === 'stdin') {
    if (at !== null) throw new WasiErrnoError(Errno.SPIPE);
    return stdio.read(bufs);
  }
  if (e.kind !== 'file') throw new WasiErrnoError(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
  // Reading a descriptor without read access is EBADF in POSIX, whatever took it away.
  if (!e.readable) throw new WasiErrnoError(Errno.BADF);
  need(e, Rights.FD_READ, Errno.BADF);
  if (at !== null) need(e, Rights.FD_SEEK);
  let total = 0;
  let pos = at ?? e.position;
  for (const b of bufs) {
    const n = fs.readSync(e.hostFd, b, 0, b.length, pos);
    total += n;
    pos += BigInt(n);
    if (n < b.length) break;
  }
  if (at === null) e.position = pos;
  return total;
}

export function writeFrom({ memory, fds, stdio }: WasiContext, fd: number, iovs: number, iovsLen: number, at: bigint | null): number {
  const e = fds.entry(fd);
  const bufs = memory.iovecs(iovs, iovsLen);
  let total = 0;
  if (e.kind === 'stdout' || e.kind === 'stderr') {
    if (at !== null) throw new WasiErrnoError(Errno.SPIPE);
    for (const b of bufs) total += stdio.write(e.kind, b);
    return total;
  }
  if (e.kind !== 'file') throw new WasiErrnoError(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
  if (!e.writable) throw new WasiErrnoError(Errno.BADF);
  need(e, Rights.FD_WRITE, Errno.BADF);
  if (at !== null) need(e, Rights.FD_SEEK);
  if (e.fdflags & FdFlags.APPEND && at === null) {
    // The host fd has O_APPEND, so the kernel places the bytes at the end.
    for (const b of bufs) total += fs.writeSync(e.hostFd, b, 0, b.length, null);
    e.position = fs.fstatSync(e.hostFd, { bigint: true }).size;
    return total;
  }
  let pos = at ?? e.position;
  for (const b of bufs) {
    const n = fs.writeSync(e.hostFd, b, 0, b.length, Number(pos));
    total += n;
    pos += BigInt(n);
  }
  if (at === null) e.position = pos;
  return total;
}
