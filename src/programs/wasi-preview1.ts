/**
 * offload's WASI preview1 host for V8, on node:fs. Unlike node:wasi it is meant to be a
 * capability boundary: the guest sees only the arguments, environment variables and
 * directories it was given, paths are resolved by resolveBeneath (no `..`, absolute path or
 * symlink leaves a grant), opened files are re-checked through /proc/self/fd against
 * renames racing the resolution, and read-only grants refuse every mutation.
 *
 * All calls are synchronous: the guest runs in a worker thread that nothing else shares.
 * The calls live in ./wasi/, one file per group; this file puts one run's state together.
 */
import { clockCalls } from './wasi/clock-calls.js';
import type { WasiContext } from './wasi/context.js';
import { fdCalls } from './wasi/fd-calls.js';
import { FdTable, type WasiGrant } from './wasi/fd-table.js';
import { GuestMemory } from './wasi/guest-memory.js';
import { pathCalls } from './wasi/path-calls.js';
import { processCalls } from './wasi/process-calls.js';
import { socketCalls } from './wasi/socket-calls.js';
import { Stdio } from './wasi/stdio.js';
import { syscall, type HostCalls } from './wasi/syscall.js';

export { ProcExit } from './wasi/syscall.js';
export type { WasiGrant } from './wasi/fd-table.js';

export interface WasiOptions {
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  dirs: WasiGrant[];
  /** Output beyond this many bytes per stream is dropped; the guest is not told. */
  maxOutputBytes: number;
}

const encoder = new TextEncoder();

export class WasiPreview1 {
  private readonly context: WasiContext;

  constructor(options: WasiOptions) {
    this.context = {
      memory: new GuestMemory(),
      fds: new FdTable(options.dirs),
      stdio: new Stdio(options.stdin, options.maxOutputBytes),
      args: options.args.map((a) => encoder.encode(a + '\0')),
      env: Object.entries(options.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`)),
    };
  }

  get stdout(): Buffer[] {
    return this.context.stdio.stdout;
  }
  get stderr(): Buffer[] {
    return this.context.stdio.stderr;
  }

  /** Must be called with the instance's exported memory before `_start` runs. */
  setMemory(memory: WebAssembly.Memory): void {
    this.context.memory.attach(memory);
  }

  /** Close every host descriptor the guest left open. */
  closeAll(): void {
    this.context.fds.closeAll();
  }

  /** The `wasi_snapshot_preview1` import object. */
  imports(): Record<string, (...args: never[]) => number> {
    const groups = [processCalls, clockCalls, fdCalls, pathCalls, socketCalls].map((group) => group(this.context));
    const calls: HostCalls = Object.assign({}, ...groups);
    return Object.fromEntries(Object.entries(calls).map(([name, call]) => [name, syscall(call)]));
  }
}
