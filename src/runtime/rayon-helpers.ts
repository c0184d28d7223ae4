// Runs wasm-bindgen-rayon's own start-up (its `initThreadPool`) inside an instance's thread.
// Its JavaScript expects a browser: `self` in every thread that imports it, and a Web
// `Worker` that it points at its worker script. This gives it both, but the `Worker` runs
// offload's helper entry (rayon-helper.ts) rather than that script, because a helper that
// traps must say so straight to the pool: the instance's thread is blocked inside the call
// and cannot relay anything. See docs/parallel.md.

import { launchWorker } from '../wasm/launch-worker.js';
import type { Worker as NodeWorker } from 'node:worker_threads';

export interface HelperSettings {
  /** rayon-helper.ts's URL (the .js or .ts beside this file; launchWorker picks). */
  entry: string;
  /** The glue, which each helper imports to join the instance's module and memory. */
  glueUrl: string;
  trapChannel: string | undefined;
}

/** The Web `Worker` surface wasm-bindgen-rayon uses: postMessage and 'message' events. */
class HelperWorker extends EventTarget {
  readonly #thread: NodeWorker;

  constructor(settings: HelperSettings) {
    super();
    this.#thread = launchWorker(new URL(settings.entry), { workerData: settings });
    this.#thread.on('message', (data: unknown) => this.dispatchEvent(new MessageEvent('message', { data })));
    // wasm-bindgen-rayon listens for nothing but 'message': a helper that cannot start would
    // leave initThreadPool waiting forever, so its failure is raised where startThreadPool sees it.
    this.#thread.on('error', (error) => failStart(error));
    this.#thread.on('exit', (code) => failStart(new Error(`a rayon helper thread exited with code ${code} while starting`)));
  }

  postMessage(message: unknown): void {
    this.#thread.postMessage(message);
  }

  terminate(): void {
    void this.#thread.terminate();
  }
}

/**
 * Installs `self` and `Worker` for the package's rayon start-up. One instance lives in this
 * thread, so the settings are this thread's; the helpers end with it (Node stops a thread's
 * own workers when the thread is terminated).
 */
export function installHelperWorker(settings: HelperSettings): void {
  // The rayon script listens on `self` in every thread that imports it; in this one the
  // message it waits for never comes, so any EventTarget will do.
  if (typeof (globalThis as { self?: unknown }).self === 'undefined') Object.assign(globalThis, { self: new EventTarget() });
  Object.assign(globalThis, {
    Worker: class extends HelperWorker {
      constructor() {
        super(settings);
      }
    },
  });
}

/**
 * Runs `importing` with a `self` for wasm-bindgen-rayon's script to listen on, and removes it
 * afterwards: the script takes its listener target as it loads, and the caller's thread (where
 * load() reads the glue's exports) should not be left looking like a browser to other code.
 */
export async function withTemporarySelf<T>(importing: () => Promise<T>): Promise<T> {
  if (typeof (globalThis as { self?: unknown }).self !== 'undefined') return importing();
  Object.assign(globalThis, { self: new EventTarget() });
  try {
    return await importing();
  } finally {
    delete (globalThis as { self?: unknown }).self;
  }
}

let failStart: (error: unknown) => void = () => undefined;

/** Starts the instance's rayon pool through the package's own export, before any call. */
export async function startThreadPool(glue: Record<string, unknown>, helpers: number): Promise<void> {
  const init = glue.initThreadPool;
  if (typeof init !== 'function') {
    throw new Error('this threaded package does not export initThreadPool: add `pub use wasm_bindgen_rayon::init_thread_pool;` to the crate');
  }
  const failed = new Promise<never>((_, reject) => {
    failStart = reject;
  });
  try {
    await Promise.race([(init as (n: number) => Promise<unknown>)(helpers), failed]);
  } finally {
    // Once the pool runs, a helper's end is the instance's end: its trap is reported on the channel.
    failStart = () => undefined;
  }
}
