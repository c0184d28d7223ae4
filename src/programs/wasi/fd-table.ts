/**
 * The guest's file descriptors: stdio, the preopened grants, and what the guest opened in
 * them. Every lookup checks the descriptor's kind and rights, and a directory descriptor's host
 * path is walked again from its grant root each time it is used.
 */
import * as fs from 'node:fs';
import { DIRECTORY_RIGHTS, Errno, FILE_RIGHTS, MUTATING_RIGHTS, STDIN_RIGHTS, STDOUT_RIGHTS } from './constants.js';
import { WasiErrnoError, resolveBeneath } from './resolve-beneath.js';

export interface WasiGrant {
  /** The path the guest uses, e.g. `/data`. */
  guest: string;
  /** The real (symlink-free) host path of the granted directory. */
  host: string;
  readOnly: boolean;
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
export interface StreamEntry extends Capabilities {
  kind: 'stdin' | 'stdout' | 'stderr';
}
export interface DirEntry extends Capabilities {
  kind: 'dir';
  grant: WasiGrant;
  components: string[];
  /** Set for the preopened grant roots: the name fd_prestat_dir_name reports. */
  preopenName?: string;
}
export interface FileEntry extends Capabilities {
  kind: 'file';
  grant: WasiGrant;
  hostFd: number;
  position: bigint;
  /** How the host fd was opened; the rights may narrow this, never widen it. */
  readable: boolean;
  writable: boolean;
}
export type FdEntry = StreamEntry | DirEntry | FileEntry;

/** A grant's directories and the files opened in them never report rights to change anything. */
function grantRights(grant: WasiGrant, rights: bigint): bigint {
  return grant.readOnly ? rights & ~MUTATING_RIGHTS : rights;
}

/** The descriptor must still hold `right` (fd_fdstat_set_rights may have dropped it). */
export function need<E extends FdEntry>(e: E, right: bigint, errno: number = Errno.NOTCAPABLE): E {
  if ((e.rightsBase & right) !== right) throw new WasiErrnoError(errno, 'the descriptor lacks the right');
  return e;
}

export class FdTable {
  private readonly fds = new Map<number, FdEntry>();

  /** fds 0-2 are stdio; the grants are preopened from fd 3 on, in order. */
  constructor(grants: WasiGrant[]) {
    this.fds.set(0, { kind: 'stdin', rightsBase: STDIN_RIGHTS, rightsInheriting: 0n, fdflags: 0 });
    this.fds.set(1, { kind: 'stdout', rightsBase: STDOUT_RIGHTS, rightsInheriting: 0n, fdflags: 0 });
    this.fds.set(2, { kind: 'stderr', rightsBase: STDOUT_RIGHTS, rightsInheriting: 0n, fdflags: 0 });
    for (const grant of grants) {
      this.add({
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

  /** The entry at `fd`, if any, with no check of its kind. */
  find(fd: number): FdEntry | undefined {
    return this.fds.get(fd);
  }

  entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (!e) throw new WasiErrnoError(Errno.BADF);
    return e;
  }

  dir(fd: number): DirEntry {
    const e = this.entry(fd);
    if (e.kind !== 'dir') throw new WasiErrnoError(Errno.NOTDIR);
    return e;
  }

  file(fd: number): FileEntry {
    const e = this.entry(fd);
    if (e.kind !== 'file') throw new WasiErrnoError(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
    return e;
  }

  /** A directory the guest may change, holding `right`. */
  writableDir(fd: number, right: bigint): DirEntry {
    const d = this.dir(fd);
    if (d.grant.readOnly) throw new WasiErrnoError(Errno.NOTCAPABLE, 'read-only grant');
    return need(d, right);
  }

  /** Store `entry` at the lowest free descriptor above stdio, and return that descriptor. */
  add(entry: FdEntry): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, entry);
    return fd;
  }

  /** Close `fd`'s host file, if it has one, and forget it. */
  close(fd: number): void {
    const e = this.entry(fd);
    if (e.kind === 'file') fs.closeSync(e.hostFd);
    this.fds.delete(fd);
  }

  /** fd_renumber: `from` takes `to`'s place, closing what `to` held. */
  renumber(from: number, to: number): void {
    const e = this.entry(from);
    const old = this.entry(to);
    if (from === to) return;
    if (old.kind === 'file') fs.closeSync(old.hostFd);
    this.fds.set(to, e);
    this.fds.delete(from);
  }

  /**
   * The host path of a directory descriptor, walked again from the grant root on every use:
   * since it was opened, the guest may have renamed a directory on its path and put a
   * symlink climbing out of the grant in its place.
   */
  dirHost(d: DirEntry): string {
    if (d.components.length === 0) return d.grant.host;
    return resolveBeneath(d.grant.host, [], `${d.components.join('/')}/`, true).host;
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
}
