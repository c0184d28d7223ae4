// What the typed proxy needs from whatever runs the calls (the worker pool, or the caller's
// own thread in 'inline' mode). Objects created by a call stay where they were created; the
// executor hands back an ObjectRef naming the instance that owns them.

import type { CallOp } from './protocol.js';
import type { MetricsSnapshot } from './metrics.js';

export class ObjectRef {
  freed = false;
  constructor(
    /** Executor-specific token for the instance that owns the object. */
    readonly owner: object,
    readonly objectId: number,
    readonly className: string,
  ) {}
}

export interface CallTask {
  op: CallOp;
  name: string;
  className?: string;
  /** The object a method runs on. */
  target?: ObjectRef;
  /** May hold ObjectRefs (objects passed as arguments). */
  args: unknown[];
  transfer: ArrayBuffer[];
  /** Label for errors and metrics: `fn` or `Class.method`. */
  label: string;
  timeoutMs: number | undefined;
  /** Longest the call may wait for a thread before it fails with ERR_OFFLOAD_QUEUE_TIMEOUT. */
  queueTimeoutMs?: number | undefined;
  /** Creates class instances, so it runs where objects live (see Pool's home thread). */
  makesObjects?: boolean;
}

export interface Executor {
  run(task: CallTask): Promise<unknown>;
  /** Frees an object whose handle was garbage-collected; fire and forget. */
  release(ref: ObjectRef): void;
  close(): Promise<void>;
  metrics(): MetricsSnapshot;
}

/**
 * An executor that can answer on the caller's thread (inline, auto): `runHere` gives the value,
 * or a Promise of it, and throws on failure; the proxy calls it to spend one Promise per call.
 */
export interface RunsHere extends Executor {
  runHere(task: CallTask): unknown;
}

/** `run()` for a RunsHere executor: its answer as a Promise, a throw as a rejection. */
export function runAsPromise(executor: RunsHere, task: CallTask): Promise<unknown> {
  try {
    return Promise.resolve(executor.runHere(task));
  } catch (error) {
    return Promise.reject(error);
  }
}
