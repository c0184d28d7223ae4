// 'inline' mode: the same API, but calls run on the caller's thread. For functions that take
// microseconds, where a thread hop would cost more than the call. There is no preemption
// here, so timeouts cannot be enforced (load() refuses timeoutMs with mode 'inline').

import { performance } from 'node:perf_hooks';
import { OffloadBadArgumentError, OffloadClosedError, OffloadInstanceLostError, OffloadLoadError } from './errors.js';
import type { CallTask, RunsHere } from './executor.js';
import { ObjectRef, runAsPromise } from './executor.js';
import { faultToError } from './faults.js';
import { GuestInstance, InitFault, type CallOutcome } from './guest.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import type { InstanceConfig } from './protocol.js';
import { decodeResult, encodeCall } from './wire.js';

export class InlineExecutor implements RunsHere {
  readonly #config: InstanceConfig;
  readonly #metrics: Metrics;
  #instance: GuestInstance;
  #generation = 0;
  #replacing: Promise<GuestInstance> | undefined;
  #closed = false;
  #running = 0;
  #replaced = 0;
  #busyMs = 0;
  readonly #bornAt = performance.now();

  private constructor(config: InstanceConfig, instance: GuestInstance, metrics: Metrics) {
    this.#config = config;
    this.#instance = instance;
    this.#metrics = metrics;
  }

  /** `metrics` is given when the calls count together with another executor's (mode 'auto'). */
  static async create(config: InstanceConfig, metrics = new Metrics()): Promise<InlineExecutor> {
    return new InlineExecutor(config, await startInstance(config, 0), metrics);
  }

  get instanceMs(): number {
    return this.#instance.instanceMs;
  }

  run(task: CallTask): Promise<unknown> {
    return runAsPromise(this, task);
  }

  /**
   * Runs the call now, on this thread, and returns its result, or a Promise of it for an async
   * export or while a trapped instance is being replaced; a failed call throws. The proxy uses
   * it so that a call costs one Promise, not one per layer.
   */
  runHere(task: CallTask): unknown {
    if (this.#closed) throw new OffloadClosedError(task.label);
    // After a trap the replacement is built asynchronously; later calls wait for it.
    if (this.#replacing) return this.#runAfterReplacement(task);
    // A call that starts at once has not queued: its wait is 0, and one clock read is saved.
    return this.#runOn(this.#instance, task, 0);
  }

  async #runAfterReplacement(task: CallTask): Promise<unknown> {
    const enqueuedAt = performance.now();
    await this.#replacing;
    return this.#runOn(this.#instance, task, performance.now() - enqueuedAt);
  }

  #runOn(instance: GuestInstance, task: CallTask, queueWaitMs: number): unknown {
    const spec = encodeCall(task, this.#checkRef);
    this.#metrics.started(task.label, queueWaitMs);
    this.#running++;
    const called = instance.call(0, spec);
    // An async export settles later, as its futures make progress on this thread.
    if (called instanceof Promise) return called.then((outcome) => this.#finish(task, instance, outcome));
    return this.#finish(task, instance, called);
  }

  #finish(task: CallTask, instance: GuestInstance, outcome: CallOutcome): unknown {
    this.#running--;
    const response = outcome.response;
    this.#busyMs += response.runMs;
    if (outcome.trapped) this.#replace();
    if (!response.ok) {
      const error = faultToError(task.label, response.fault);
      this.#metrics.finished(task.label, response.runMs, error.code);
      throw error;
    }
    if (task.op === 'free' && task.target) task.target.freed = true;
    this.#metrics.finished(task.label, response.runMs);
    return decodeResult(response.value, (objectId, className) => new ObjectRef(instance, objectId, className));
  }

  /** An object a call names must be alive, in the instance calls run on now. */
  readonly #checkRef = (ref: ObjectRef, task: CallTask): void => {
    if (ref.freed) throw new OffloadBadArgumentError(`${task.label}: a ${ref.className} passed to it was already freed.`, { function: task.label });
    if (ref.owner !== this.#instance) throw new OffloadInstanceLostError(task.label, 'was replaced after a trap');
  };

  #replace(): void {
    this.#replaced++;
    const generation = ++this.#generation;
    this.#replacing = startInstance(this.#config, generation).then((fresh) => {
      this.#instance = fresh;
      this.#replacing = undefined;
      return fresh;
    });
  }

  release(ref: ObjectRef): void {
    if (ref.freed || ref.owner !== this.#instance) return;
    ref.freed = true;
    this.#instance.release([ref.objectId]);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  metrics(): MetricsSnapshot {
    const alive = performance.now() - this.#bornAt;
    return this.#metrics.snapshot({
      mode: 'inline',
      queueDepth: 0,
      running: this.#running,
      threads: 0,
      busyThreads: 0,
      utilization: alive > 0 ? Math.min(1, this.#busyMs / alive) : 0,
      workersStarted: 0,
      workersReplaced: this.#replaced,
      liveObjects: this.#instance.liveObjects,
      simdVariant: this.#config.simdVariant,
    });
  }
}


async function startInstance(config: InstanceConfig, generation: number): Promise<GuestInstance> {
  try {
    return await GuestInstance.create(config, generation);
  } catch (error) {
    if (error instanceof InitFault) {
      throw new OffloadLoadError(`the package could not be instantiated: ${faultToError('start', error.fault).message}`);
    }
    throw error;
  }
}
