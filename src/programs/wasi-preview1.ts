/**
 * offload's WASI preview1 host for V8, on node:fs. Unlike node:wasi it is meant to be a
 * capability boundary: the guest sees only the arguments, environment variables and
 * directories it was given, paths are resolved by resolveBeneath (no `..`, absolute path or
 * symlink leaves a grant), opened files are re-checked through /proc/self/fd against
 * renames racing the resolution, and read-only grants refuse every mutation.
 *
 * All calls are synchronous: the guest runs in a worker thread that nothing else shares.
 */
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import {
  Clock,
  DIRECTORY_RIGHTS,
  Errno,
  EventType,
  FILE_RIGHTS,
  FdFlags,
  FileType,
  FstFlags,
  LOOKUP_SYMLINK_FOLLOW,
  MUTATING_RIGHTS,
  OFlags,
  Rights,
  STDIN_RIGHTS,
  STDOUT_RIGHTS,
  WRITE_RIGHTS,
  Whence,
  hostErrno,
} from './wasi-constants.js';
import { WasiErrnoError, resolveBeneath } from './wasi-paths.js';

export interface WasiGrant {
  /** The path the guest uses, e.g. `/data`. */
  guest: string;
  /** The real (symlink-free) host path of the granted directory. */
  host: string;
  readOnly: boolean;
}

export interface WasiOptions {
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  dirs: WasiGrant[];
  /** Output beyond this many bytes per stream is dropped (the guest sees a short write). */
  maxOutputBytes: number;
}

/** Thrown through the guest's stack by proc_exit, caught by the runner. */
export class ProcExit {
  constructor(readonly code: number) {}
}

/**
 * What every descriptor carries: its rights (fd_fdstat_set_rights can only drop them, and the
 * calls check them) and its fdflags as fd_fdstat_get reports them.
 */
interface Capabilities {
  rightsBase: bigint;
  rightsInheriting: bigint;
  fdflags: number;
}
interface StreamEntry extends Capabilities {
  kind: 'stdin' | 'stdout' | 'stderr';
}
interface DirEntry extends Capabilities {
  kind: 'dir';
  grant: WasiGrant;
  components: string[];
  /** Set for the preopened grant roots: the name fd_prestat_dir_name reports. */
  preopenName?: string;
}
interface FileEntry extends Capabilities {
  kind: 'file';
  grant: WasiGrant;
  hostFd: number;
  position: bigint;
  /** How the host fd was opened; the rights may narrow this, never widen it. */
  readable: boolean;
  writable: boolean;
}
type FdEntry = StreamEntry | DirEntry | FileEntry;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function fileTypeOf(st: fs.Stats | fs.BigIntStats): number {
  if (st.isFile()) return FileType.REGULAR_FILE;
  if (st.isDirectory()) return FileType.DIRECTORY;
  if (st.isSymbolicLink()) return FileType.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FileType.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FileType.BLOCK_DEVICE;
  if (st.isSocket()) return FileType.SOCKET_STREAM;
  return FileType.UNKNOWN;
}

/**
 * stdio are buffers offload collects, like pipes, and WASI has no pipe type: UNKNOWN, as
 * WasmEdge reports for the pipes it gets. Not CHARACTER_DEVICE: with no seek right, that is
 * what wasi-libc's isatty() calls a terminal, and programs would colour their output.
 */
const STDIO_FILE_TYPE = FileType.UNKNOWN;

/** A grant's directories and the files opened in them never report rights to change anything. */
function grantRights(grant: WasiGrant, rights: bigint): bigint {
  return grant.readOnly ? rights & ~MUTATING_RIGHTS : rights;
}

/** Open flags for a host fd from its access mode and WASI fdflags (no create/truncate). */
function hostFlags(readable: boolean, writable: boolean, fdflags: number): number {
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
function setTimes(hostPath: string, noFollow: boolean, atim: bigint, mtim: bigint, flags: number): void {
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
function validateFstFlags(flags: number): void {
  const both = (a: number, b: number) => (flags & a) !== 0 && (flags & b) !== 0;
  if (both(FstFlags.ATIM, FstFlags.ATIM_NOW) || both(FstFlags.MTIM, FstFlags.MTIM_NOW)) throw new WasiErrnoError(Errno.INVAL);
  if (flags & ~(FstFlags.ATIM | FstFlags.ATIM_NOW | FstFlags.MTIM | FstFlags.MTIM_NOW)) throw new WasiErrnoError(Errno.INVAL);
}

function isInside(root: string, hostPath: string): boolean {
  return hostPath === root || hostPath.startsWith(root.endsWith('/') ? root : root + '/');
}

export class WasiPreview1 {
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  private outBytes = { stdout: 0, stderr: 0 };
  private memory: WebAssembly.Memory | undefined;
  private readonly fds = new Map<number, FdEntry>();
  private stdinOffset = 0;
  private readonly argBytes: Uint8Array[];
  private readonly envBytes: Uint8Array[];

  constructor(private readonly options: WasiOptions) {
    this.argBytes = options.args.map((a) => encoder.encode(a + '\0'));
    this.envBytes = Object.entries(options.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
    this.fds.set(0, { kind: 'stdin', rightsBase: STDIN_RIGHTS, rightsInheriting: 0n, fdflags: 0 });
    this.fds.set(1, { kind: 'stdout', rightsBase: STDOUT_RIGHTS, rightsInheriting: 0n, fdflags: 0 });
    this.fds.set(2, { kind: 'stderr', rightsBase: STDOUT_RIGHTS, rightsInheriting: 0n, fdflags: 0 });
    let fd = 3;
    for (const grant of options.dirs) {
      this.fds.set(fd++, {
        kind: 'dir',
        grant,
        components: [],
        preopenName: grant.guest,
        rightsBase: grantRights(grant, DIRECTORY_RIGHTS),
        rightsInheriting: grantRights(grant, DIRECTORY_RIGHTS | FILE_RIGHTS),
        fdflags: 0,
      });
    }
  }

  /** Must be called with the instance's exported memory before `_start` runs. */
  setMemory(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  /** Close every host descriptor the guest left open. */
  closeAll(): void {
    for (const entry of this.fds.values()) {
      if (entry.kind === 'file') {
        try {
          fs.closeSync(entry.hostFd);
        } catch {
          // already closed by the OS; nothing else to release
        }
      }
    }
    this.fds.clear();
  }

  // Views are rebuilt on every call: memory.grow detaches the previous ArrayBuffer.
  private view(): DataView {
    return new DataView(this.memory!.buffer);
  }
  private bytes(ptr: number, len: number): Uint8Array {
    const mem = this.memory!.buffer;
    if (ptr < 0 || len < 0 || ptr + len > mem.byteLength) throw new WasiErrnoError(Errno.FAULT);
    return new Uint8Array(mem, ptr, len);
  }
  private string(ptr: number, len: number): string {
    try {
      return decoder.decode(this.bytes(ptr, len));
    } catch (e) {
      if (e instanceof WasiErrnoError) throw e;
      throw new WasiErrnoError(Errno.INVAL, 'path is not UTF-8');
    }
  }
  private iovecs(ptr: number, count: number): Uint8Array[] {
    const v = this.view();
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const base = v.getUint32(ptr + i * 8, true);
      const len = v.getUint32(ptr + i * 8 + 4, true);
      out.push(this.bytes(base, len));
    }
    return out;
  }

  private entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (!e) throw new WasiErrnoError(Errno.BADF);
    return e;
  }
  private dir(fd: number): DirEntry {
    const e = this.entry(fd);
    if (e.kind !== 'dir') throw new WasiErrnoError(Errno.NOTDIR);
    return e;
  }
  private file(fd: number): FileEntry {
    const e = this.entry(fd);
    if (e.kind !== 'file') throw new WasiErrnoError(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
    return e;
  }
  private writableDir(fd: number, right: bigint): DirEntry {
    const d = this.dir(fd);
    if (d.grant.readOnly) throw new WasiErrnoError(Errno.NOTCAPABLE, 'read-only grant');
    return this.need(d, right);
  }
  /** The descriptor must still hold `right` (fd_fdstat_set_rights may have dropped it). */
  private need<E extends FdEntry>(e: E, right: bigint, errno: number = Errno.NOTCAPABLE): E {
    if ((e.rightsBase & right) !== right) throw new WasiErrnoError(errno, 'the descriptor lacks the right');
    return e;
  }
  /**
   * A path is confined beneath the directory its descriptor names, not merely the grant: a
   * descriptor for a subdirectory is a capability for that subdirectory alone, so `..` above
   * it is PERM, as in WASI's reference implementations.
   */
  private resolve(d: DirEntry, pathPtr: number, pathLen: number, follow: boolean) {
    const r = resolveBeneath(this.dirHost(d), [], this.string(pathPtr, pathLen), follow);
    return { host: r.host, components: [...d.components, ...r.components] };
  }
  /**
   * The host path of a directory descriptor, walked again from the grant root on every use:
   * since it was opened, the guest may have renamed a directory on its path and put a
   * symlink climbing out of the grant in its place.
   */
  private dirHost(d: DirEntry): string {
    if (d.components.length === 0) return d.grant.host;
    return resolveBeneath(d.grant.host, [], `${d.components.join('/')}/`, true).host;
  }
  private nextFd(): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    return fd;
  }

  private writeFilestat(ptr: number, st: fs.BigIntStats): void {
    const v = this.view();
    this.bytes(ptr, 64);
    v.setBigUint64(ptr, st.dev, true);
    v.setBigUint64(ptr + 8, st.ino, true);
    v.setUint8(ptr + 16, fileTypeOf(st));
    v.setBigUint64(ptr + 24, st.nlink, true);
    v.setBigUint64(ptr + 32, st.size, true);
    v.setBigUint64(ptr + 40, st.atimeNs, true);
    v.setBigUint64(ptr + 48, st.mtimeNs, true);
    v.setBigUint64(ptr + 56, st.ctimeNs, true);
  }

  private emit(stream: 'stdout' | 'stderr', chunk: Uint8Array): number {
    const room = this.options.maxOutputBytes - this.outBytes[stream];
    const taken = Math.max(0, Math.min(room, chunk.length));
    if (taken > 0) {
      this.outBytes[stream] += taken;
      this[stream].push(Buffer.from(chunk.subarray(0, taken)));
    }
    return chunk.length;
  }

  /** The `wasi_snapshot_preview1` import object. */
  imports(): Record<string, (...args: never[]) => number> {
    // Every import returns an errno; host exceptions become errnos here, never traps, except
    // ProcExit, which must unwind the guest.
    const wrap =
      <A extends unknown[]>(fn: (...args: A) => number | void) =>
      (...args: A): number => {
        try {
          return fn(...args) ?? Errno.SUCCESS;
        } catch (e) {
          if (e instanceof ProcExit) throw e;
          if (e instanceof WasiErrnoError) return e.errno;
          const code = (e as NodeJS.ErrnoException | undefined)?.code;
          if (code && code in hostErrno) return hostErrno[code]!;
          return Errno.IO;
        }
      };

    const writeSizes = (list: Uint8Array[], countPtr: number, sizePtr: number) => {
      const v = this.view();
      v.setUint32(countPtr, list.length, true);
      v.setUint32(sizePtr, list.reduce((n, b) => n + b.length, 0), true);
    };
    const writeList = (list: Uint8Array[], ptrsPtr: number, bufPtr: number) => {
      const v = this.view();
      let offset = bufPtr;
      list.forEach((b, i) => {
        v.setUint32(ptrsPtr + i * 4, offset, true);
        this.bytes(offset, b.length).set(b);
        offset += b.length;
      });
    };

    const readInto = (fd: number, iovs: number, iovsLen: number, at: bigint | null): number => {
      const e = this.entry(fd);
      const bufs = this.iovecs(iovs, iovsLen);
      let total = 0;
      if (e.kind === 'stdin') {
        if (at !== null) throw new WasiErrnoError(Errno.SPIPE);
        for (const b of bufs) {
          const chunk = this.options.stdin.subarray(this.stdinOffset, this.stdinOffset + b.length);
          b.set(chunk);
          this.stdinOffset += chunk.length;
          total += chunk.length;
          if (chunk.length < b.length) break;
        }
        return total;
      }
      if (e.kind !== 'file') throw new WasiErrnoError(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
      // Reading a descriptor without read access is EBADF in POSIX, whatever took it away.
      if (!e.readable) throw new WasiErrnoError(Errno.BADF);
      this.need(e, Rights.FD_READ, Errno.BADF);
      if (at !== null) this.need(e, Rights.FD_SEEK);
      let pos = at ?? e.position;
      for (const b of bufs) {
        const n = fs.readSync(e.hostFd, b, 0, b.length, pos);
        total += n;
        pos += BigInt(n);
        if (n < b.length) break;
      }
      if (at === null) e.position = pos;
      return total;
    };

    const writeFrom = (fd: number, iovs: number, iovsLen: number, at: bigint | null): number => {
      const e = this.entry(fd);
      const bufs = this.iovecs(iovs, iovsLen);
      let total = 0;
      if (e.kind === 'stdout' || e.kind === 'stderr') {
        if (at !== null) throw new WasiErrnoError(Errno.SPIPE);
        for (const b of bufs) total += this.emit(e.kind, b);
        return total;
      }
      if (e.kind !== 'file') throw new WasiErrnoError(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
      if (!e.writable) throw new WasiErrnoError(Errno.BADF);
      this.need(e, Rights.FD_WRITE, Errno.BADF);
      if (at !== null) this.need(e, Rights.FD_SEEK);
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
    };

    const self = this;
    const imports = {
      args_sizes_get: wrap((c: number, s: number) => writeSizes(self.argBytes, c, s)),
      args_get: wrap((p: number, b: number) => writeList(self.argBytes, p, b)),
      environ_sizes_get: wrap((c: number, s: number) => writeSizes(self.envBytes, c, s)),
      environ_get: wrap((p: number, b: number) => writeList(self.envBytes, p, b)),

      clock_res_get: wrap((id: number, out: number) => {
        if (id < 0 || id > 3) return Errno.INVAL;
        self.view().setBigUint64(out, 1000n, true);
      }),
      clock_time_get: wrap((id: number, _precision: bigint, out: number) => {
        let t: bigint;
        if (id === Clock.REALTIME) t = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
        else if (id === Clock.MONOTONIC) t = process.hrtime.bigint();
        else if (id === Clock.PROCESS_CPUTIME || id === Clock.THREAD_CPUTIME) t = BigInt(process.cpuUsage().user) * 1000n;
        else return Errno.INVAL;
        self.view().setBigUint64(out, t, true);
      }),
      random_get: wrap((ptr: number, len: number) => {
        randomFillSync(self.bytes(ptr, len));
      }),
      sched_yield: wrap(() => Errno.SUCCESS),
      proc_exit: (code: number): never => {
        throw new ProcExit(code >>> 0);
      },
      proc_raise: wrap(() => Errno.NOSYS),

      fd_write: wrap((fd: number, iovs: number, n: number, out: number) => {
        self.view().setUint32(out, writeFrom(fd, iovs, n, null), true);
      }),
      fd_pwrite: wrap((fd: number, iovs: number, n: number, offset: bigint, out: number) => {
        self.view().setUint32(out, writeFrom(fd, iovs, n, offset), true);
      }),
      fd_read: wrap((fd: number, iovs: number, n: number, out: number) => {
        self.view().setUint32(out, readInto(fd, iovs, n, null), true);
      }),
      fd_pread: wrap((fd: number, iovs: number, n: number, offset: bigint, out: number) => {
        self.view().setUint32(out, readInto(fd, iovs, n, offset), true);
      }),
      fd_close: wrap((fd: number) => {
        const e = self.entry(fd);
        if (e.kind === 'file') fs.closeSync(e.hostFd);
        self.fds.delete(fd);
      }),
      fd_seek: wrap((fd: number, offset: bigint, whence: number, out: number) => {
        const e = self.file(fd);
        self.need(e, whence === Whence.CUR && offset === 0n ? Rights.FD_TELL | 0n : Rights.FD_SEEK);
        let base: bigint;
        if (whence === Whence.SET) base = 0n;
        else if (whence === Whence.CUR) base = e.position;
        else if (whence === Whence.END) base = fs.fstatSync(e.hostFd, { bigint: true }).size;
        else return Errno.INVAL;
        const next = base + offset;
        if (next < 0n) return Errno.INVAL;
        e.position = next;
        self.view().setBigUint64(out, next, true);
      }),
      fd_tell: wrap((fd: number, out: number) => {
        self.view().setBigUint64(out, self.need(self.file(fd), Rights.FD_TELL).position, true);
      }),
      fd_fdstat_get: wrap((fd: number, out: number) => {
        const e = self.entry(fd);
        const v = self.view();
        self.bytes(out, 24).fill(0);
        let type: number = STDIO_FILE_TYPE;
        if (e.kind === 'dir') type = FileType.DIRECTORY;
        if (e.kind === 'file') type = fileTypeOf(fs.fstatSync(e.hostFd));
        v.setUint8(out, type);
        v.setUint16(out + 2, e.fdflags, true);
        v.setBigUint64(out + 8, e.rightsBase, true);
        v.setBigUint64(out + 16, e.rightsInheriting, true);
      }),
      fd_fdstat_set_flags: wrap((fd: number, flags: number) => {
        const e = self.entry(fd);
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
      }),
      fd_fdstat_set_rights: wrap((fd: number, base: bigint, inheriting: bigint) => {
        const e = self.entry(fd);
        // Rights only ever shrink: asking for one the descriptor lacks is refused.
        if ((base & ~e.rightsBase) !== 0n || (inheriting & ~e.rightsInheriting) !== 0n) return Errno.NOTCAPABLE;
        e.rightsBase = base;
        e.rightsInheriting = inheriting;
      }),
      fd_advise: wrap((fd: number) => {
        self.file(fd);
      }),
      fd_allocate: wrap((fd: number) => {
        self.file(fd);
        return Errno.NOTSUP;
      }),
      fd_datasync: wrap((fd: number) => fs.fdatasyncSync(self.file(fd).hostFd)),
      fd_sync: wrap((fd: number) => fs.fsyncSync(self.file(fd).hostFd)),
      fd_filestat_get: wrap((fd: number, out: number) => {
        const e = self.entry(fd);
        if (e.kind === 'file') return self.writeFilestat(out, fs.fstatSync(e.hostFd, { bigint: true }));
        if (e.kind === 'dir') return self.writeFilestat(out, fs.statSync(self.dirHost(e), { bigint: true }));
        self.bytes(out, 64).fill(0);
        self.view().setUint8(out + 16, STDIO_FILE_TYPE);
      }),
      fd_filestat_set_size: wrap((fd: number, size: bigint) => {
        const e = self.need(self.file(fd), Rights.FD_FILESTAT_SET_SIZE);
        if (!e.writable) return Errno.BADF;
        fs.ftruncateSync(e.hostFd, Number(size));
      }),
      fd_filestat_set_times: wrap((fd: number, atim: bigint, mtim: bigint, flags: number) => {
        validateFstFlags(flags);
        const e = self.entry(fd);
        if (e.kind !== 'file' && e.kind !== 'dir') return Errno.BADF;
        if (e.grant.readOnly) return Errno.NOTCAPABLE;
        self.need(e, Rights.FD_FILESTAT_SET_TIMES);
        // The descriptor's own /proc link names exactly the open file, whatever its path now.
        const target = e.kind === 'file' ? `/proc/${process.pid}/fd/${e.hostFd}` : self.dirHost(e);
        setTimes(target, false, atim, mtim, flags);
      }),
      fd_prestat_get: wrap((fd: number, out: number) => {
        const e = self.fds.get(fd);
        if (!e || e.kind !== 'dir' || e.preopenName === undefined) return Errno.BADF;
        const v = self.view();
        v.setUint8(out, 0);
        v.setUint32(out + 4, encoder.encode(e.preopenName).length, true);
      }),
      fd_prestat_dir_name: wrap((fd: number, ptr: number, len: number) => {
        const e = self.fds.get(fd);
        if (!e || e.kind !== 'dir' || e.preopenName === undefined) return Errno.BADF;
        const name = encoder.encode(e.preopenName);
        if (len < name.length) return Errno.NAMETOOLONG;
        self.bytes(ptr, name.length).set(name);
      }),
      fd_renumber: wrap((from: number, to: number) => {
        const e = self.entry(from);
        const old = self.entry(to);
        if (from === to) return;
        if (old.kind === 'file') fs.closeSync(old.hostFd);
        self.fds.set(to, e);
        self.fds.delete(from);
      }),
      fd_readdir: wrap((fd: number, buf: number, bufLen: number, cookie: bigint, out: number) => {
        const d = self.need(self.dir(fd), Rights.FD_READDIR);
        const path = self.dirHost(d);
        const names = ['.', '..', ...fs.readdirSync(path)];
        const v = self.view();
        const target = self.bytes(buf, bufLen);
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
      }),

      path_open: wrap(
        (dirFd: number, lookup: number, pathPtr: number, pathLen: number, oflags: number, rightsBase: bigint, rightsInheriting: bigint, fdflags: number, out: number) => {
          const d = self.need(self.dir(dirFd), Rights.PATH_OPEN);
          if (oflags & OFlags.CREAT) self.need(d, Rights.PATH_CREATE_FILE);
          if (oflags & OFlags.TRUNC) self.need(d, Rights.PATH_FILESTAT_SET_SIZE);
          const wantsWrite =
            (rightsBase & WRITE_RIGHTS) !== 0n ||
            (oflags & (OFlags.CREAT | OFlags.TRUNC)) !== 0 ||
            (fdflags & FdFlags.APPEND) !== 0;
          if (wantsWrite && d.grant.readOnly) return Errno.NOTCAPABLE;
          // The new descriptor gets what it asked for, within what its directory may hand down.
          const base = rightsBase & d.rightsInheriting;
          const inheriting = rightsInheriting & d.rightsInheriting;
          const r = self.resolve(d, pathPtr, pathLen, (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0);
          const existing = fs.lstatSync(r.host, { throwIfNoEntry: false });
          if (existing?.isSymbolicLink()) return Errno.LOOP; // O_NOFOLLOW semantics
          if (existing?.isDirectory() || (oflags & OFlags.DIRECTORY)) {
            if (!existing) return Errno.NOENT;
            if (!existing.isDirectory()) return Errno.NOTDIR;
            if ((oflags & OFlags.CREAT) && (oflags & OFlags.EXCL)) return Errno.EXIST;
            if ((rightsBase & Rights.FD_WRITE) !== 0n || (oflags & OFlags.TRUNC)) return Errno.ISDIR;
            const fd = self.nextFd();
            self.fds.set(fd, {
              kind: 'dir',
              grant: d.grant,
              components: r.components,
              rightsBase: base & DIRECTORY_RIGHTS,
              rightsInheriting: inheriting,
              fdflags: fdflags & ~FdFlags.APPEND,
            });
            self.view().setUint32(out, fd, true);
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
          const fd = self.nextFd();
          self.fds.set(fd, {
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
          self.view().setUint32(out, fd, true);
        },
      ),
      path_filestat_get: wrap((dirFd: number, lookup: number, pathPtr: number, pathLen: number, out: number) => {
        const r = self.resolve(self.need(self.dir(dirFd), Rights.PATH_FILESTAT_GET), pathPtr, pathLen, (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0);
        self.writeFilestat(out, fs.lstatSync(r.host, { bigint: true }));
      }),
      path_filestat_set_times: wrap((dirFd: number, lookup: number, pathPtr: number, pathLen: number, atim: bigint, mtim: bigint, flags: number) => {
        validateFstFlags(flags);
        const follow = (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0;
        const r = self.resolve(self.writableDir(dirFd, Rights.PATH_FILESTAT_SET_TIMES), pathPtr, pathLen, follow);
        fs.lstatSync(r.host); // a missing path is NOENT here, not touch's silence
        setTimes(r.host, !follow, atim, mtim, flags);
      }),
      path_create_directory: wrap((dirFd: number, pathPtr: number, pathLen: number) => {
        fs.mkdirSync(self.resolve(self.writableDir(dirFd, Rights.PATH_CREATE_DIRECTORY), pathPtr, pathLen, false).host);
      }),
      path_remove_directory: wrap((dirFd: number, pathPtr: number, pathLen: number) => {
        const r = self.resolve(self.writableDir(dirFd, Rights.PATH_REMOVE_DIRECTORY), pathPtr, pathLen, false);
        if (r.components.length === 0) return Errno.BUSY; // never the grant root itself
        fs.rmdirSync(r.host);
      }),
      path_unlink_file: wrap((dirFd: number, pathPtr: number, pathLen: number) => {
        const r = self.resolve(self.writableDir(dirFd, Rights.PATH_UNLINK_FILE), pathPtr, pathLen, false);
        const st = fs.lstatSync(r.host);
        if (st.isDirectory()) return Errno.ISDIR;
        fs.unlinkSync(r.host);
      }),
      path_rename: wrap((fromFd: number, fromPtr: number, fromLen: number, toFd: number, toPtr: number, toLen: number) => {
        const from = self.resolve(self.writableDir(fromFd, Rights.PATH_RENAME_SOURCE), fromPtr, fromLen, false);
        const to = self.resolve(self.writableDir(toFd, Rights.PATH_RENAME_TARGET), toPtr, toLen, false);
        if (from.components.length === 0 || to.components.length === 0) return Errno.BUSY;
        fs.renameSync(from.host, to.host);
      }),
      path_link: wrap((fromFd: number, lookup: number, fromPtr: number, fromLen: number, toFd: number, toPtr: number, toLen: number) => {
        const from = self.resolve(self.writableDir(fromFd, Rights.PATH_LINK_SOURCE), fromPtr, fromLen, (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0);
        const to = self.resolve(self.writableDir(toFd, Rights.PATH_LINK_TARGET), toPtr, toLen, false);
        fs.linkSync(from.host, to.host);
      }),
      path_symlink: wrap((targetPtr: number, targetLen: number, dirFd: number, pathPtr: number, pathLen: number) => {
        const target = self.string(targetPtr, targetLen);
        // A relative target that climbs out is harmless (following it is refused), but an
        // absolute one names the host's filesystem and is refused outright.
        if (target.startsWith('/')) return Errno.PERM;
        fs.symlinkSync(target, self.resolve(self.writableDir(dirFd, Rights.PATH_SYMLINK), pathPtr, pathLen, false).host);
      }),
      path_readlink: wrap((dirFd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, out: number) => {
        const r = self.resolve(self.need(self.dir(dirFd), Rights.PATH_READLINK), pathPtr, pathLen, false);
        const target = fs.readlinkSync(r.host, { encoding: 'buffer' });
        const n = Math.min(target.length, bufLen);
        self.bytes(buf, n).set(target.subarray(0, n));
        self.view().setUint32(out, n, true);
      }),

      poll_oneoff: wrap((inPtr: number, outPtr: number, count: number, outCount: number) => {
        // Clock subscriptions sleep (the worker thread may block); fd subscriptions are
        // always ready because every stream here is a buffer or a regular file.
        const v = self.view();
        let sleepNs: bigint | undefined;
        const events: Array<{ userdata: bigint; type: number }> = [];
        for (let i = 0; i < count; i++) {
          const s = inPtr + i * 48;
          const userdata = v.getBigUint64(s, true);
          const tag = v.getUint8(s + 8);
          if (tag === EventType.CLOCK) {
            let timeout = v.getBigUint64(s + 24, true);
            const absolute = (v.getUint16(s + 40, true) & 1) !== 0;
            if (absolute) timeout -= process.hrtime.bigint();
            if (timeout < 0n) timeout = 0n;
            if (sleepNs === undefined || timeout < sleepNs) sleepNs = timeout;
            events.push({ userdata, type: EventType.CLOCK });
          } else {
            events.push({ userdata, type: tag });
          }
        }
        const fdEvents = events.filter((e) => e.type !== EventType.CLOCK);
        const ready = fdEvents.length > 0 ? fdEvents : events;
        if (fdEvents.length === 0 && sleepNs !== undefined && sleepNs > 0n) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(sleepNs / 1_000_000n));
        }
        ready.forEach((e, i) => {
          const o = outPtr + i * 32;
          self.bytes(o, 32).fill(0);
          v.setBigUint64(o, e.userdata, true);
          v.setUint8(o + 10, e.type);
        });
        v.setUint32(outCount, ready.length, true);
      }),

      // No descriptor here is ever a socket: a real one is NOTSOCK, a missing one BADF.
      sock_accept: wrap((fd: number) => (self.entry(fd), Errno.NOTSOCK)),
      sock_recv: wrap((fd: number) => (self.entry(fd), Errno.NOTSOCK)),
      sock_send: wrap((fd: number) => (self.entry(fd), Errno.NOTSOCK)),
      sock_shutdown: wrap((fd: number) => (self.entry(fd), Errno.NOTSOCK)),
    };
    return imports as unknown as Record<string, (...args: never[]) => number>;
  }
}
