/**
 * How a host function becomes a WASI import: every import returns an errno, so host
 * exceptions become errnos here, never traps. The one exception is ProcExit, which must
 * unwind the guest's stack.
 */
import { Errno, hostErrno } from './constants.js';
import { WasiErrnoError } from './resolve-beneath.js';

/** A host implementation of one import: `undefined` means SUCCESS. */
export type HostCall = (...args: never[]) => number | void;
/** One group of imports (fd_*, path_*...), by WASI name. */
export type HostCalls = Record<string, HostCall>;

/** Thrown through the guest's stack by proc_exit, caught by the runner. */
export class ProcExit {
  constructor(readonly code: number) {}
}

export function syscall(fn: HostCall): (...args: never[]) => number {
  return (...args) => {
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
}
