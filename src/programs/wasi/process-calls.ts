/** args_*, environ_*, random_get, sched_yield and proc_*: the program's view of its process. */
import { randomFillSync } from 'node:crypto';
import { Errno } from './constants.js';
import type { WasiContext } from './context.js';
import { ProcExit, type HostCalls } from './syscall.js';

export function processCalls({ memory, args, env }: WasiContext): HostCalls {
  return {
    args_sizes_get: (c: number, s: number) => memory.writeListSizes(args, c, s),
    args_get: (p: number, b: number) => memory.writeList(args, p, b),
    environ_sizes_get: (c: number, s: number) => memory.writeListSizes(env, c, s),
    environ_get: (p: number, b: number) => memory.writeList(env, p, b),
    random_get: (ptr: number, len: number) => {
      randomFillSync(memory.bytes(ptr, len));
    },
    sched_yield: () => Errno.SUCCESS,
    proc_exit: (code: number): never => {
      throw new ProcExit(code >>> 0);
    },
    proc_raise: () => Errno.NOSYS,
  };
}
