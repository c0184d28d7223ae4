/** fd_*: reading, writing, seeking and describing open descriptors, and listing directories. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Errno, FdFlags, FileType, Rights, Whence } from './constants.js';
import type { WasiContext } from './context.js';
import { need } from './fd-table.js';
import { readInto, writeFrom } from './fd-io.js';
import { fileTypeOf, hostFlags, setTimes, validateFstFlags, writeFilestat } from './host-files.js';
import type { HostCalls } from './syscall.js';

const encoder = new TextEncoder();

/**
 * stdio are buffers offload collects, like pipes, and WASI has no pipe type: UNKNOWN, as
 * WasmEdge reports for the pipes it gets. Not CHARACTER_DEVICE: with no seek right, that is
 * what wasi-libc's isatty() calls a terminal, and programs would colour their output.
 */
const STDIO_FILE_TYPE = FileType.UNKNOWN;

export function fdCalls(ctx: WasiContext): HostCalls {
  const { memory, fds } = ctx;
  const preopened = (fd: number) => {
    const e = fds.find(fd);
    return e?.kind === 'dir' && e.preopenName !== undefined ? e.preopenName : undefined;
  };
  return {
    fd_write: (fd: number, iovs: number, n: number, out: number) => {
      memory.view().setUint32(out, writeFrom(ctx, fd, iovs, n, null), true);
    },
    fd_pwrite: (fd: number, iovs: number, n: number, offset: bigint, out: number) => {
      memory.view().setUint32(out, writeFrom(ctx, fd, iovs, n, offset), true);
    },
    fd_read: (fd: number, iovs: number, n: number, out: number) => {
      memory.view().setUint32(out, readInto(ctx, fd, iovs, n, null), true);
    },
    fd_pread: (fd: number, iovs: number, n: number, offset: bigint, out: number) => {
      memory.view().setUint32(out, readInto(ctx, fd, iovs, n, offset), true);
    },
    fd_close: (fd: number) => fds.close(fd),
    fd_seek: (fd: number, offset: bigint, whence: number, out: number) => {
      const e = fds.file(fd);
      need(e, whence === Whence.CUR && offset === 0n ? Rights.FD_TELL | 0n : Rights.FD_SEEK);
      let base: bigint;
      if (whence === Whence.SET) base = 0n;
      else if (whence === Whence.CUR) base = e.position;
      else if (whence === Whence.END) base = fs.fstatSync(e.hostFd, { bigint: true }).size;
      else return Errno.INVAL;
      const next = base + offset;
      if (next < 0n) return Errno.INVAL;
      e.position = next;
      memory.view().setBigUint64(out, next, true);
    },
    fd_tell: (fd: number, out: number) => {
      memory.view().setBigUint64(out, need(fds.file(fd), Rights.FD_TELL).position, true);
    },
    fd_fdstat_get: (fd: number, out: number) => {
      const e = fds.entry(fd);
      const v = memory.view();
      memory.bytes(out, 24).fill(0);
      let type: number = STDIO_FILE_TYPE;
      if (e.kind === 'dir') type = FileType.DIRECTORY;
      if (e.kind === 'file') type = fileTypeOf(fs.fstatSync(e.hostFd));
      v.setUint8(out, type);
      v.setUint16(out + 2, e.fdflags, true);
      v.setBigUint64(out + 8, e.rightsBase, true);
      v.setBigUint64(out + 16, e.rightsInheriting, true);
    },
    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const e = fds.entry(fd);
      const known = FdFlags.APPEND | FdFlags.DSYNC | FdFlags.NONBLOCK | FdFlags.RSYNC | FdFlags.SYNC;
      if (flags & ~known) return Errno.INVAL;
      if (e.kind === 'file' && flags !== e.fdflags) {
        if (e.grant.readOnly && (flags & FdFlags.APPEND)) return Errno.NOTCAPABLE;
        // node:fs has no fcntl, so the file is reopened with the new flags through its own
        // descriptor's /proc link: the same inode, never a path the guest could redirect.
        // Positions are offload's own, so nothing is lost.
        // (O_NOFOLLOW off: the /proc link is itself a symlink, to the open file.)
        const reopened = fs.openSync(`/proc/self/fd/${e.hostFd}`, hostFlags(e.readable, e.writable, flags) & ~fs.constants.O_NOFOLLOW);
        fs.closeSync(e.hostFd);
        e.hostFd = reopened;
      }
      e.fdflags = flags;
    },
    fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => {
      const e = fds.entry(fd);
      // Rights only ever shrink: asking for one the descriptor lacks is refused.
      if ((base & ~e.rightsBase) !== 0n || (inheriting & ~e.rightsInheriting) !== 0n) return Errno.NOTCAPABLE;
      e.rightsBase = base;
      e.rightsInheriting = inheriting;
    },
    fd_advise: (fd: number) => {
      fds.file(fd);
    },
    fd_allocate: (fd: number) => {
      fds.file(fd);
      return Errno.NOTSUP;
    },
    fd_datasync: (fd: number) => fs.fdatasyncSync(fds.file(fd).hostFd),
    fd_sync: (fd: number) => fs.fsyncSync(fds.file(fd).hostFd),
    fd_filestat_get: (fd: number, out: number) => {
      const e = fds.entry(fd);
      if (e.kind === 'file') return writeFilestat(memory, out, fs.fstatSync(e.hostFd, { bigint: true }));
      if (e.kind === 'dir') return writeFilestat(memory, out, fs.statSync(fds.dirHost(e), { bigint: true }));
      memory.bytes(out, 64).fill(0);
      memory.view().setUint8(out + 16, STDIO_FILE_TYPE);
    },
    fd_filestat_set_size: (fd: number, size: bigint) => {
      const e = need(fds.file(fd), Rights.FD_FILESTAT_SET_SIZE);
      if (!e.writable) return Errno.BADF;
      fs.ftruncateSync(e.hostFd, Number(size));
    },
    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => {
      validateFstFlags(flags);
      const e = fds.entry(fd);
      if (e.kind !== 'file' && e.kind !== 'dir') return Errno.BADF;
      if (e.grant.readOnly) return Errno.NOTCAPABLE;
      need(e, Rights.FD_FILESTAT_SET_TIMES);
      // The descriptor's own /proc link names exactly the open file, whatever its path now.
      const target = e.kind === 'file' ? `/proc/${process.pid}/fd/${e.hostFd}` : fds.dirHost(e);
      setTimes(target, false, atim, mtim, flags);
    },
    fd_prestat_get: (fd: number, out: number) => {
      const name = preopened(fd);
      if (name === undefined) return Errno.BADF;
      const v = memory.view();
      v.setUint8(out, 0);
      v.setUint32(out + 4, encoder.encode(name).length, true);
    },
    fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
      const preopen = preopened(fd);
      if (preopen === undefined) return Errno.BADF;
      const name = encoder.encode(preopen);
      if (len < name.length) return Errno.NAMETOOLONG;
      memory.bytes(ptr, name.length).set(name);
    },
    fd_renumber: (from: number, to: number) => fds.renumber(from, to),
    fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, out: number) => {
      const d = need(fds.dir(fd), Rights.FD_READDIR);
      const path = fds.dirHost(d);
      const names = ['.', '..', ...fs.readdirSync(path)];
      const v = memory.view();
      const target = memory.bytes(buf, bufLen);
      let used = 0;
      for (let i = Number(cookie); i < names.length && used < bufLen; i++) {
        const name = encoder.encode(names[i]!);
        // `..` of a grant root must not describe the host directory above it.
        const st = names[i] === '..' ? undefined : fs.lstatSync(join(path, names[i]!), { bigint: true, throwIfNoEntry: false });
        const header = new DataView(new ArrayBuffer(24));
        header.setBigUint64(0, BigInt(i + 1), true);
        header.setBigUint64(8, st?.ino ?? 0n, true);
        header.setUint32(16, name.length, true);
        header.setUint8(20, st ? fileTypeOf(st) : FileType.DIRECTORY);
        const record = new Uint8Array(24 + name.length);
        record.set(new Uint8Array(header.buffer), 0);
        record.set(name, 24);
        // A truncated last record tells the guest to call again with a bigger buffer.
        const n = Math.min(record.length, bufLen - used);
        target.set(record.subarray(0, n), used);
        used += n;
      }
      v.setUint32(out, used, true);
    },
  };
}
