/**
 * Worker thread body for the V8 engine: one fresh instance per task, from a module the main
 * thread compiled once. The worker itself is reused; an instance never is, so a trapped or
 * exited program leaves nothing behind.
 */
import { parentPort } from 'node:worker_threads';
import { GROW_FAILURES_EXPORT } from '../wasm/grow-probe.js';
import type { NormalizedGrant } from './options.js';
import { ProcExit, WasiPreview1 } from './wasi-preview1.js';

export interface V8Task {
  id: number;
  module: WebAssembly.Module;
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  dirs: NormalizedGrant[];
  maxOutputBytes: number;
}

export type V8Reply =
  | { id: number; kind: 'exit'; exitCode: number; stdout: Buffer; stderr: Buffer }
  | {
      id: number;
      kind: 'trap';
      message: string;
      memoryBytes: number;
      /** Failed `memory.grow`s the module recorded; undefined when it could not be instrumented. */
      growFailures: number | undefined;
      stdout: Buffer;
      stderr: Buffer;
    }
  | { id: number; kind: 'link'; message: string };

function run(task: V8Task): V8Reply {
  const wasi = new WasiPreview1({
    args: task.args,
    env: task.env,
    stdin: task.stdin,
    dirs: task.dirs,
    maxOutputBytes: task.maxOutputBytes,
  });
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(task.module, { wasi_snapshot_preview1: wasi.imports() });
  } catch (e) {
    return { id: task.id, kind: 'link', message: (e as Error).message };
  }
  const memory = instance.exports.memory as WebAssembly.Memory;
  wasi.setMemory(memory);
  const output = () => ({ stdout: Buffer.concat(wasi.stdout), stderr: Buffer.concat(wasi.stderr) });
  try {
    (instance.exports._start as () => void)();
    return { id: task.id, kind: 'exit', exitCode: 0, ...output() };
  } catch (e) {
    if (e instanceof ProcExit) return { id: task.id, kind: 'exit', exitCode: e.code, ...output() };
    // RuntimeError (unreachable, out-of-bounds...) and RangeError (stack overflow) are traps.
    const message = e instanceof Error ? e.message : String(e);
    const growFailures = instance.exports[GROW_FAILURES_EXPORT] as WebAssembly.Global | undefined;
    return { id: task.id, kind: 'trap', message, memoryBytes: memory.buffer.byteLength, growFailures: growFailures?.value as number | undefined, ...output() };
  } finally {
    wasi.closeAll();
  }
}

parentPort!.on('message', (task: V8Task) => {
  // Output is copied rather than transferred: Buffers may share Node's internal pool.
  parentPort!.postMessage(run(task));
});
