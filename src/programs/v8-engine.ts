/** The V8 program engine: a handle over a pool of worker threads running WASI programs. */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { launchWorker } from '../wasm/launch-worker.js';
import { pagesFor } from '../wasm/memory-limits.js';
import { compileModule } from '../wasm/module-cache.js';
import {
  BadModuleError,
  EngineFailedError,
  ProgramMemoryLimitError,
  ProgramRunnerClosedError,
  ProgramTimeoutError,
} from './errors.js';
import type { ModuleInfo } from './inspect-program.js';
import { ConcurrencyLimiter } from './limiter.js';
import { MAX_OUTPUT_BYTES, type NormalizedOptions, type ProgramResult } from './options.js';
import { trapToError } from './outcome.js';
import type { V8Reply, V8Task } from './v8-worker.js';

/** The module with the memory cap written in, from the process's one compiled-module cache. */
async function compileCapped(bytes: Uint8Array, info: ModuleInfo, memoryLimitMb: number): Promise<WebAssembly.Module> {
  const pages = pagesFor(memoryLimitMb);
  if (info.memory.min > pages) {
    throw new ProgramMemoryLimitError('v8', memoryLimitMb, `the module starts with ${info.memory.min} pages of memory`, {
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
    });
  }
  try {
    return (await compileModule(bytes, pages, info.hash)).module;
  } catch (e) {
    throw new BadModuleError((e as Error).message, { cause: e });
  }
}

const workerEntry = new URL('./v8-worker.js', import.meta.url);

/** A run in flight on one worker: how to stop it from outside (close()). */
interface BusyRun {
  worker: Worker;
  abort: (error: Error) => void;
}

/**
 * The V8 engine: modules compiled once per process (keyed by content hash and memory cap,
 * because the cap is written into the module), run in a small pool of worker threads owned
 * by one engine handle. A timeout terminates the worker, which stops any guest code, even a
 * loop that never calls the host; the next run starts a replacement. close() terminates
 * every worker, busy or idle, so a closed engine leaves nothing running.
 */
export class V8Engine {
  readonly #idle: Worker[] = [];
  readonly #busy = new Set<BusyRun>();
  readonly #limiter: ConcurrencyLimiter;
  #nextId = 1;
  #closed = false;

  /** `threads`: worker threads used at most at once, default one per core. */
  constructor(options: { threads?: number } = {}) {
    this.#limiter = new ConcurrencyLimiter(options.threads ?? availableParallelism());
  }

  async run(bytes: Uint8Array, info: ModuleInfo, options: NormalizedOptions): Promise<ProgramResult> {
    if (this.#closed) throw new ProgramRunnerClosedError();
    const started = performance.now();
    const module = await compileCapped(bytes, info, options.memoryLimitMb);
    const task = { module, args: options.args, env: options.env, stdin: options.stdin, dirs: options.dirs, maxOutputBytes: MAX_OUTPUT_BYTES };
    const reply = await this.#limiter.run(() => this.#runOnWorker(task, options.timeoutMs));
    if (reply.kind === 'link') throw new BadModuleError(`it cannot be linked: ${reply.message}`);
    // Structured clone delivers Uint8Arrays; give callers Buffers.
    const output = { stdout: toBuffer(reply.stdout), stderr: toBuffer(reply.stderr) };
    if (reply.kind === 'trap') {
      const { message, memoryBytes, growFailures } = reply;
      throw trapToError({ engine: 'v8', message, memoryLimitMb: options.memoryLimitMb, memoryBytes, growFailures }, output);
    }
    return { exitCode: reply.exitCode, ...output, engine: 'v8', durationMs: performance.now() - started };
  }

  /** Stops every worker, busy ones included: runs in flight and later runs reject with ProgramRunnerClosedError. */
  async close(): Promise<void> {
    this.#closed = true;
    const busy = [...this.#busy];
    for (const run of busy) run.abort(new ProgramRunnerClosedError());
    await Promise.all([...this.#idle.splice(0), ...busy.map((run) => run.worker)].map((w) => w.terminate()));
  }

  #runOnWorker(task: Omit<V8Task, 'id'>, timeoutMs: number): Promise<V8Reply> {
    // A run queued behind the limit when close() came must not start a worker.
    if (this.#closed) return Promise.reject(new ProgramRunnerClosedError());
    const worker = this.#idle.pop() ?? launchWorker(workerEntry);
    const id = this.#nextId++;
    worker.ref();
    return new Promise<V8Reply>((resolve, reject) => {
      const run: BusyRun = {
        worker,
        abort: (error) => {
          cleanup();
          reject(error);
        },
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.#busy.delete(run);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: V8Reply) => {
        if (reply.id !== id) return;
        cleanup();
        // An idle worker must not keep the process alive.
        worker.unref();
        this.#idle.push(worker);
        resolve(reply);
      };
      const onError = (e: Error) => {
        cleanup();
        void worker.terminate();
        reject(new EngineFailedError('v8', `worker thread failed: ${e.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new EngineFailedError('v8', `worker thread exited with code ${code} during the run`));
      };
      const timer = setTimeout(() => {
        cleanup();
        // terminate() stops the guest mid-instruction; the worker is dropped, not reused.
        void worker.terminate();
        reject(new ProgramTimeoutError('v8', timeoutMs));
      }, timeoutMs);
      this.#busy.add(run);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ ...task, id });
    });
  }
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
