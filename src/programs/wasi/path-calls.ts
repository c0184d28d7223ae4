/**
 * path_*: opening, stating, creating, renaming, linking and removing by path. Every path is
 * resolved beneath its directory descriptor; read-only grants refuse every mutation.
 */
import * as fs from 'node:fs';
import { DIRECTORY_RIGHTS, Errno, FILE_RIGHTS, FdFlags, LOOKUP_SYMLINK_FOLLOW, OFlags, Rights, WRITE_RIGHTS } from './constants.js';
import type { WasiContext } from './context.js';
import { need, type DirEntry } from './fd-table.js';
import { hostFlags, isInside, setTimes, validateFstFlags, writeFilestat } from './host-files.js';
import { WasiErrnoError, resolveBeneath } from './resolve-beneath.js';
import type { HostCalls } from './syscall.js';

export function pathCalls({ memory, fds }: WasiContext): HostCalls {
  /**
   * The guest path at (ptr, len), confined beneath the directory its descriptor names, not
   * merely the grant: a descriptor for a subdirectory is a capability for that subdirectory
   * alone, so `..` above it is PERM, as in WASI's reference implementations.
   */
  const resolve = (d: DirEntry, ptr: number, len: number, follow: boolean) => {
    const r = resolveBeneath(fds.dirHost(d), [], memory.string(ptr, len), follow);
    return { host: r.host, components: [...d.components, ...r.components] };
  };
  const follows = (lookup: number) => (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0;

  return {
    path_open: (
      dirFd: number,
      lookup: number,
      pathPtr: number,
      pathLen: number,
      oflags: number,
      rightsBase: bigint,
      rightsInheriting: bigint,
      fdflags: number,
      out: number,
    ) => {
      const d = need(fds.dir(dirFd), Rights.PATH_OPEN);
      if (oflags & OFlags.CREAT) need(d, Rights.PATH_CREATE_FILE);
      if (oflags & OFlags.TRUNC) need(d, Rights.PATH_FILESTAT_SET_SIZE);
      const wantsWrite =
        (rightsBase & WRITE_RIGHTS) !== 0n || (oflags & (OFlags.CREAT | OFlags.TRUNC)) !== 0 || (fdflags & FdFlags.APPEND) !== 0;
      if (wantsWrite && d.grant.readOnly) return Errno.NOTCAPABLE;
      // The new descriptor gets what it asked for, within what its directory may hand down.
      const base = rightsBase & d.rightsInheriting;
      const inheriting = rightsInheriting & d.rightsInheriting;
      const r = resolve(d, pathPtr, pathLen, follows(lookup));
      const existing = fs.lstatSync(r.host, { throwIfNoEntry: false });
      if (existing?.isSymbolicLink()) return Errno.LOOP; // O_NOFOLLOW semantics
      if (existing?.isDirectory() || (oflags & OFlags.DIRECTORY)) {
        if (!existing) return Errno.NOENT;
        if (!existing.isDirectory()) return Errno.NOTDIR;
        if ((oflags & OFlags.CREAT) && (oflags & OFlags.EXCL)) return Errno.EXIST;
        if ((rightsBase & Rights.FD_WRITE) !== 0n || (oflags & OFlags.TRUNC)) return Errno.ISDIR;
        const fd = fds.add({
          kind: 'dir',
          grant: d.grant,
          components: r.components,
          rightsBase: base & DIRECTORY_RIGHTS,
          rightsInheriting: inheriting,
          fdflags: fdflags & ~FdFlags.APPEND,
        });
        memory.view().setUint32(out, fd, true);
        return;
      }
      const readable = (rightsBase & Rights.FD_READ) !== 0n || !wantsWrite;
      const writable = (rightsBase & (Rights.FD_WRITE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n || (fdflags & FdFlags.APPEND) !== 0;
      const c = fs.constants;
      let flags = hostFlags(readable, writable, fdflags);
      if (oflags & OFlags.CREAT) flags |= c.O_CREAT;
      if (oflags & OFlags.EXCL) flags |= c.O_EXCL;
      if (oflags & OFlags.TRUNC) flags |= c.O_TRUNC;
      const hostFd = fs.openSync(r.host, flags, 0o666);
      // The walk above and this open are two steps; if a directory on the way was
      // swapped for a symlink in between, the kernel followed it. Ask the kernel where
      // the descriptor really points, and refuse anything outside the grant.
      try {
        const real = fs.readlinkSync(`/proc/self/fd/${hostFd}`);
        if (!isInside(d.grant.host, real)) throw new WasiErrnoError(Errno.PERM, 'opened file is outside the grant');
      } catch (e) {
        fs.closeSync(hostFd);
        if (e instanceof WasiErrnoError) throw e;
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const fd = fds.add({
        kind: 'file',
        grant: d.grant,
        hostFd,
        position: 0n,
        readable,
        writable,
        rightsBase: base & FILE_RIGHTS,
        rightsInheriting: inheriting,
        fdflags,
      });
      memory.view().setUint32(out, fd, true);
    },
    path_filestat_get: (dirFd: number, lookup: number, pathPtr: number, pathLen: number, out: number) => {
      const r = resolve(need(fds.dir(dirFd), Rights.PATH_FILESTAT_GET), pathPtr, pathLen, follows(lookup));
      writeFilestat(memory, out, fs.lstatSync(r.host, { bigint: true }));
    },
    path_filestat_set_times: (dirFd: number, lookup: number, pathPtr: number, pathLen: number, atim: bigint, mtim: bigint, flags: number) => {
      validateFstFlags(flags);
      const r = resolve(fds.writableDir(dirFd, Rights.PATH_FILESTAT_SET_TIMES), pathPtr, pathLen, follows(lookup));
      fs.lstatSync(r.host); // a missing path is NOENT here, not touch's silence
      setTimes(r.host, !follows(lookup), atim, mtim, flags);
    },
    path_create_directory: (dirFd: number, pathPtr: number, pathLen: number) => {
      fs.mkdirSync(resolve(fds.writableDir(dirFd, Rights.PATH_CREATE_DIRECTORY), pathPtr, pathLen, false).host);
    },
    path_remove_directory: (dirFd: number, pathPtr: number, pathLen: number) => {
      const r = resolve(fds.writableDir(dirFd, Rights.PATH_REMOVE_DIRECTORY), pathPtr, pathLen, false);
      if (r.components.length === 0) return Errno.BUSY; // never the grant root itself
      fs.rmdirSync(r.host);
    },
    path_unlink_file: (dirFd: number, pathPtr: number, pathLen: number) => {
      const r = resolve(fds.writableDir(dirFd, Rights.PATH_UNLINK_FILE), pathPtr, pathLen, false);
      const st = fs.lstatSync(r.host);
      if (st.isDirectory()) return Errno.ISDIR;
      fs.unlinkSync(r.host);
    },
    path_rename: (fromFd: number, fromPtr: number, fromLen: number, toFd: number, toPtr: number, toLen: number) => {
      const from = resolve(fds.writableDir(fromFd, Rights.PATH_RENAME_SOURCE), fromPtr, fromLen, false);
      const to = resolve(fds.writableDir(toFd, Rights.PATH_RENAME_TARGET), toPtr, toLen, false);
      if (from.components.length === 0 || to.components.length === 0) return Errno.BUSY;
      fs.renameSync(from.host, to.host);
    },
    path_link: (fromFd: number, lookup: number, fromPtr: number, fromLen: number, toFd: number, toPtr: number, toLen: number) => {
      const from = resolve(fds.writableDir(fromFd, Rights.PATH_LINK_SOURCE), fromPtr, fromLen, follows(lookup));
      const to = resolve(fds.writableDir(toFd, Rights.PATH_LINK_TARGET), toPtr, toLen, false);
      fs.linkSync(from.host, to.host);
    },
    path_symlink: (targetPtr: number, targetLen: number, dirFd: number, pathPtr: number, pathLen: number) => {
      const target = memory.string(targetPtr, targetLen);
      // A relative target that climbs out is harmless (following it is refused), but an
      // absolute one names the host's filesystem and is refused outright.
      if (target.startsWith('/')) return Errno.PERM;
      fs.symlinkSync(target, resolve(fds.writableDir(dirFd, Rights.PATH_SYMLINK), pathPtr, pathLen, false).host);
    },
    path_readlink: (dirFd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, out: number) => {
      const r = resolve(need(fds.dir(dirFd), Rights.PATH_READLINK), pathPtr, pathLen, false);
      const target = fs.readlinkSync(r.host, { encoding: 'buffer' });
      const n = Math.min(target.length, bufLen);
      memory.bytes(buf, n).set(target.subarray(0, n));
      memory.view().setUint32(out, n, true);
    },
  };
}
