// 'inline' mode: the same API, but calls run on the caller's thread. For functions that take
// microseconds, where a thread hop would cost more than the call. There is no preemption
// here, so timeouts cannot be enforced (load() refuses timeoutMs with mode 'inline').

import { performance } from 'node:perf_hooks';
import { OffloadBadArgumentError, OffloadClosedError, OffloadInstanceLostError, OffloadLoadError } from './errors.js';
import type { CallTask, Executor } from './executor.js';
import { ObjectRef } from './executor.js';
import { faultToError } from './faults.js';
import { GuestInstance, InitFault } from './guest.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import type { InstanceConfig } from './protocol.js';
import { decodeResult, encodeCall } from './wire.js';

export class InlineExecutor implements Executor {
  readonly #config: InstanceConfig;
  readonly #metrics = new Metrics();
  #instance: GuestInstance;
  #generation = 0;
  #replacing: Promise<GuestInstance> | undefined;
  #closed = false;
  #running = 0;
  #replaced = 0;
  #busyMs = 0;
  readonly #bornAt = performance.now();

  private constructor(config: InstanceConfig, instance: GuestInstance) {
    this.#config = config;
    this.#instance = instance;
  }

  static async create(config: InstanceConfig): Promise<InlineExecutor> {
    return new InlineExecutor(config, await startInstance(config, 0));
  }

  get instanceMs(): number {
    return this.#instance.instanceMs;
  }

  async run(task: CallTask): Promise<unknown> {
    if (this.#closed) throw new OffloadClosedError(task.label);
    const enqueuedAt = performance.now();
    // After a trap the replacement is built asynchronously; later calls wait for it.
    if (this.#replacing) await this.#replacing;
    const instance = this.#instance;
    const spec = encodeCall(task, (ref) => {
      if (ref.freed) throw new OffloadBadArgumentError(`${task.label}: a ${ref.className} passed to it was already freed.`, { function: task.label });
      if (ref.owner !== instance) throw new OffloadInstanceLostError(task.label, 'was replaced after a trap');
    });
    const started = performance.now();
    this.#metrics.started(task.label, started - enqueuedAt);
    this.#running++;
    const called = instance.call(0, spec);
    // An async export settles later, as its futures make progress on this thread.
    const outcome = called instanceof Promise ? await called : called;
    this.#running--;
    this.#busyMs += performance.now() - started;
    const response = outcome.response;
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
