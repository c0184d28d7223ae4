/**
 * The WasmEdge engine: a handle over `wasmedge` child processes, one per run (see
 * wasmedge-process.ts), bounded by a concurrency limit so a burst cannot fork-bomb the
 * machine. close() SIGKILLs the processes still running, so a closed engine leaves none.
 */
import { availableParallelism } from 'node:os';
import { aotCompile, type AotArtifact } from './wasmedge-aot.js';
import { childStdio } from './child-stdio.js';
import { ProgramRunnerClosedError } from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import type { NormalizedOptions, ProgramResult } from './options.js';
import { spawnWasmEdge, type WasmEdgeRun } from './wasmedge-process.js';
import { locateWasmEdge, type WasmEdgeBinary } from './wasmedge-locate.js';
import type { ModuleInfo } from './inspect-program.js';

/** What a run needs before it starts: the engine binary and the module's AOT artifact. */
export interface PreparedWasmEdge {
  wasmedge: WasmEdgeBinary;
  artifact: AotArtifact;
}

export class WasmEdgeEngine {
  readonly #limiter: ConcurrencyLimiter;
  readonly #running = new Set<WasmEdgeRun>();
  #closed = false;

  /** `processes`: WasmEdge processes running at most at once, default one per core. */
  constructor(options: { processes?: number } = {}) {
    this.#limiter = new ConcurrencyLimiter(options.processes ?? availableParallelism());
  }

  /** Locate WasmEdge and AOT-compile the module (or find it in the cache). */
  async prepare(bytes: Uint8Array, info: ModuleInfo): Promise<PreparedWasmEdge> {
    this.#assertOpen();
    const wasmedge = await locateWasmEdge();
    const artifact = await aotCompile(wasmedge, bytes, info.hash);
    return { wasmedge, artifact };
  }

  async run(bytes: Uint8Array, info: ModuleInfo, options: NormalizedOptions): Promise<ProgramResult> {
    const { wasmedge, artifact } = await this.prepare(bytes, info);
    return this.#limiter.run(async () => {
      // A run that waited for its slot, or for its pipes, while close() came must not start.
      this.#assertOpen();
      const stdio = await childStdio(options.stdin);
      if (this.#closed) {
        stdio.discard();
        throw new ProgramRunnerClosedError();
      }
      const run = spawnWasmEdge(wasmedge.path, artifact.dir, options, stdio);
      this.#running.add(run);
      try {
        return await run.result;
      } finally {
        this.#running.delete(run);
      }
    });
  }

  /** SIGKILL every running process and wait until each has exited; later runs reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const running = [...this.#running];
    for (const run of running) run.stop();
    await Promise.allSettled(running.map((run) => run.result));
  }

  #assertOpen(): void {
    if (this.#closed) throw new ProgramRunnerClosedError();
  }
}
