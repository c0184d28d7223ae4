// The worker pool: a FIFO queue, threads between min and max, one call running per thread,
// and one more already handed to a busy thread when every thread is busy, so that a thread
// starts its next call without waiting for the main thread to notice the last one finished.
// Written for this runtime rather than wrapping Piscina because three things it needs are
// outside Piscina's model: calls pinned to the thread that owns an object (class handles),
// replacing a thread after a trap while keeping the others, and a leaner round trip
// (bench/runtime.ts prints both side by side).

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  OffloadClosedError,
  OffloadCallError,
  OffloadInstanceLostError,
  OffloadLoadError,
  OffloadQueueFullError,
  OffloadQueueTimeoutError,
  OffloadBadArgumentError,
  OffloadTimeoutError,
  OffloadWorkerCrashedError,
} from './errors.js';
import type { CallTask, Executor } from './executor.js';
import { ObjectRef } from './executor.js';
import { faultToError } from './faults.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import type { CallbackReply, CallbackRequest, CallRequest, InstanceConfig, WorkerMessage } from './protocol.js';
import { CALLBACK_KEY, OBJECT_KEY, REF_KEY, isWireObject } from './protocol.js';
import { Queue } from './queue.js';
import { workerExecArgv } from '../wasm/worker-exec-argv.js';

export interface PoolOptions {
  minThreads: number;
  maxThreads: number;
  idleTimeoutMs: number;
  maxQueue: number;
}

export function defaultThreads(): { min: number; max: number } {
  // CPU-bound guests gain nothing from more threads than cores.
  return { min: 1, max: Math.max(1, availableParallelism()) };
}

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);

function startThread(workerData: InstanceConfig, transferList: MessagePort[]): Worker {
  const options = { workerData, transferList, execArgv: workerExecArgv(process.execArgv) };
  if (!fromSource) return new Worker(workerUrl, options);
  // Running from source under tsx (tests, benchmarks). Workers inherit --import tsx through
  // execArgv, but on Node 20 the loader hooks it registers do not reach the worker's entry
  // module, so the worker registers tsx itself before importing the .ts entry.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); })` +
    '.catch((error) => { setImmediate(() => { throw error; }); });';
  return new Worker(bootstrap, { ...options, eval: true });
}

interface PendingCall {
  task: CallTask;
  request: CallRequest;
  enqueuedAt: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Ends the wait for a thread (queueTimeoutMs); cleared when the call starts running. */
  queueTimer: NodeJS.Timeout | undefined;
  /** Sent to a thread: no longer waiting in a queue. */
  posted: boolean;
  pinnedTo: PoolWorker | undefined;
  /** JS function arguments, called back from the worker by index. */
  callbacks: ((...args: unknown[]) => unknown)[];
}

type WorkerState = 'starting' | 'idle' | 'busy' | 'dead';

class PoolWorker {
  state: WorkerState = 'starting';
  current: PendingCall | undefined;
  /** Posted to the thread behind `current`; it starts the moment `current` ends there. */
  next: PendingCall | undefined;
  readonly pinned = new Queue<PendingCall>();
  readonly objects = new Set<number>();
  idleTimer: NodeJS.Timeout | undefined;
  busySince = 0;
  busyMs = 0;
  readonly bornAt = performance.now();
  diedAt: number | undefined;
  instanceMs = 0;
  constructor(
    readonly thread: Worker,
    readonly wake: Int32Array,
    /** Where the answers to a blocked guest's callbacks go, and the flag that wakes it. */
    readonly callbackPort: MessagePort,
    readonly callbackSignal: Int32Array,
  ) {}

  post(message: unknown, transfer: ArrayBuffer[] = []): void {
    this.thread.postMessage(message, transfer);
    Atomics.add(this.wake, 0, 1);
    Atomics.notify(this.wake, 0);
  }
}

let nextCallId = 1;

export class Pool implements Executor {
  readonly #config: InstanceConfig;
  readonly #options: PoolOptions;
  readonly #queue = new Queue<PendingCall>();
  readonly #workers = new Set<PoolWorker>();
  readonly #metrics = new Metrics();
  #closed = false;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #started = 0;
  #replaced = 0;
  #retiredBusyMs = 0;
  #retiredAliveMs = 0;
  #firstReady: Promise<void>;
  /**
   * The one thread where class instances live. Every object is created there, so any two
   * handles can meet in one call; the cost is that object work runs one call at a time.
   */
  #home: PoolWorker | undefined;
  #pinnedQueued = 0;
  #handedAhead = 0;
  #lastInitFailure: OffloadCallError | undefined;

  constructor(config: InstanceConfig, options: PoolOptions) {
    this.#config = config;
    this.#options = options;
    let resolveReady!: () => void;
    let rejectReady!: (error: unknown) => void;
    this.#firstReady = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    const first = this.#spawn((error) => (error ? rejectReady(error) : resolveReady()));
    for (let i = 1; i < options.minThreads; i++) this.#spawn();
    void first;
  }

  /** Resolves once one thread has built its instance; rejects if that failed. */
  ready(): Promise<void> {
    return this.#firstReady;
  }

  run(task: CallTask): Promise<unknown> {
    if (this.#closed) return Promise.reject(new OffloadClosedError(task.label));
    let pinnedTo: PoolWorker | undefined;
    let args: unknown[];
    let callbacks: PendingCall['callbacks'];
    try {
      ({ pinnedTo, args, callbacks } = this.#bind(task));
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#waiting() >= this.#options.maxQueue && !this.#hasIdleFor(pinnedTo)) {
      return Promise.reject(new OffloadQueueFullError(task.label, this.#options.maxQueue));
    }
    return new Promise((resolve, reject) => {
      const call: PendingCall = {
        task,
        request: {
          type: 'call',
          id: nextCallId++,
          op: task.op,
          name: task.name,
          args,
          ...(task.className === undefined ? {} : { className: task.className }),
          ...(task.target === undefined ? {} : { objectId: task.target.objectId }),
        },
        enqueuedAt: performance.now(),
        resolve,
        reject,
        settled: false,
        timer: undefined,
        queueTimer: undefined,
        posted: false,
        pinnedTo,
        callbacks,
      };
      const queueTimeoutMs = task.queueTimeoutMs;
      if (queueTimeoutMs !== undefined) call.queueTimer = setTimeout(() => this.#abandon(call, queueTimeoutMs), queueTimeoutMs);
      if (pinnedTo) {
        pinnedTo.pinned.push(call);
        this.#pinnedQueued++;
      } else {
        this.#queue.push(call);
      }
      this.#dispatch();
    });
  }

  /**
   * A call waited longer than queueTimeoutMs for a thread: it is answered now. A queued call
   * leaves the queue unrun; one already handed to a busy thread cannot be taken back, so that
   * thread still runs it and its result is dropped.
   */
  #abandon(call: PendingCall, queueTimeoutMs: number): void {
    call.queueTimer = undefined;
    if (call.settled) return;
    if (!call.posted) {
      if (call.pinnedTo ? call.pinnedTo.pinned.remove(call) : this.#queue.remove(call)) {
        if (call.pinnedTo) this.#pinnedQueued--;
      }
    }
    this.#settle(call, new OffloadQueueTimeoutError(call.task.label, queueTimeoutMs));
    this.#maybeDrained();
  }

  /** The thread objects live on, chosen (or started) when there is none. */
  #homeWorker(): PoolWorker {
    if (this.#home && this.#home.state !== 'dead') return this.#home;
    let choice: PoolWorker | undefined;
    for (const worker of this.#workers) {
      if (!choice || (worker.state === 'idle' && choice.state !== 'idle')) choice = worker;
    }
    this.#home = choice ?? this.#spawn();
    return this.#home;
  }

  /**
   * Replaces ObjectRefs by wire refs and JS functions by callback markers, and finds the one
   * thread the call must run on: where its objects live, or where new objects are made.
   */
  #bind(task: CallTask): { pinnedTo: PoolWorker | undefined; args: unknown[]; callbacks: PendingCall['callbacks'] } {
    let owner: PoolWorker | undefined;
    const claim = (ref: ObjectRef): void => {
      const worker = ref.owner as PoolWorker;
      if (ref.freed) throw new OffloadBadArgumentError(`${task.label}: a ${ref.className} passed to it was already freed. Keep objects alive until the calls that use them have finished.`, { function: task.label });
      if (worker.state === 'dead') throw new OffloadInstanceLostError(task.label, 'was replaced after a trap, a timeout or a crash');
      if (owner && owner !== worker) {
        throw new OffloadBadArgumentError(
          `${task.label}: its objects live in different instances, and an object can only be used where it was created. ` +
            'Create related objects from one another (e.g. with a method) so they share an instance.',
          { function: task.label },
        );
      }
      owner = worker;
    };
    if (task.target) claim(task.target);
    const callbacks: PendingCall['callbacks'] = [];
    const args = task.args.map((arg) => {
      if (typeof arg === 'function') {
        callbacks.push(arg as (...args: unknown[]) => unknown);
        return { [CALLBACK_KEY]: callbacks.length - 1 };
      }
      if (!(arg instanceof ObjectRef)) return arg;
      claim(arg);
      return { [REF_KEY]: arg.objectId };
    });
    if (!owner && task.makesObjects) owner = this.#homeWorker();
    return { pinnedTo: owner, args, callbacks };
  }

  /** Calls accepted but not started: queued, pinned, or handed ahead to a busy thread. */
  #waiting(): number {
    return this.#queue.length + this.#pinnedQueued + this.#handedAhead;
  }

  #hasIdleFor(pinnedTo: PoolWorker | undefined): boolean {
    if (pinnedTo) return pinnedTo.state === 'idle';
    for (const worker of this.#workers) if (worker.state === 'idle') return true;
    return false;
  }

  #dispatch(): void {
    for (const worker of this.#workers) {
      if (worker.state !== 'idle') continue;
      let call = worker.pinned.shift();
      if (call) this.#pinnedQueued--;
      else call = this.#queue.shift();
      if (!call) continue;
      this.#start(worker, call);
    }
    // Every thread is busy: hand the next shared call to a thread that has nothing lined up.
    // Only unpinned calls, and only to threads without pinned work waiting for them.
    for (const worker of this.#workers) {
      if (this.#queue.length === 0) break;
      if (worker.state !== 'busy' || worker.next || worker.pinned.length > 0 || worker.current?.pinnedTo) continue;
      this.#handAhead(worker, this.#queue.shift() as PendingCall);
    }
    let starting = 0;
    for (const worker of this.#workers) if (worker.state === 'starting') starting++;
    while (this.#queue.length > starting && this.#workers.size < this.#options.maxThreads && !this.#lastInitFailure) {
      this.#spawn();
      starting++;
    }
    if (this.#lastInitFailure) {
      // Threads cannot start (the glue or the start function fails): fail fast, do not loop.
      for (let call = this.#queue.shift(); call; call = this.#queue.shift()) this.#settle(call, this.#lastInitFailure);
    }
    this.#maybeDrained();
  }

  #start(worker: PoolWorker, call: PendingCall): void {
    clearTimeout(worker.idleTimer);
    worker.state = 'busy';
    worker.busySince = performance.now();
    worker.thread.ref();
    this.#begin(worker, call);
    this.#post(worker, call);
  }

  #handAhead(worker: PoolWorker, call: PendingCall): void {
    worker.next = call;
    this.#handedAhead++;
    this.#post(worker, call);
  }

  /** `call` is now the one running on `worker`: its queue wait ends and its timeout starts. */
  #begin(worker: PoolWorker, call: PendingCall): void {
    clearTimeout(call.queueTimer);
    worker.current = call;
    this.#metrics.started(call.task.label, performance.now() - call.enqueuedAt);
    if (call.task.timeoutMs !== undefined) {
      const timeoutMs = call.task.timeoutMs;
      // A guest in a tight loop never yields, so the only way to stop it is to end the thread.
      call.timer = setTimeout(() => {
        this.#settle(call, new OffloadTimeoutError(call.task.label, timeoutMs));
        this.#retire(worker, 'was stopped after a timeout');
      }, timeoutMs);
    }
  }

  #post(worker: PoolWorker, call: PendingCall): void {
    call.posted = true;
    try {
      worker.post(call.request, call.task.transfer);
    } catch (error) {
      // Arguments that cannot be cloned; the thread never saw the call.
      clearTimeout(call.timer);
      if (worker.next === call) {
        worker.next = undefined;
        this.#handedAhead--;
      } else {
        worker.current = undefined;
        this.#markIdle(worker);
      }
      this.#settle(call, new OffloadBadArgumentError(
        `${call.task.label}: an argument cannot be sent to a worker thread (${(error as Error).message}). ` +
          'Pass plain data: numbers, bigints, strings, booleans, arrays, plain objects, typed arrays.',
        { function: call.task.label, cause: error },
      ));
      queueMicrotask(() => this.#dispatch());
    }
  }

  #spawn(onFirstReady?: (error?: unknown) => void): PoolWorker {
    const wake = new SharedArrayBuffer(4);
    const callbackSignal = new SharedArrayBuffer(4);
    const replies = new MessageChannel();
    const thread = startThread({ ...this.#config, wake, callbackPort: replies.port2, callbackSignal }, [replies.port2]);
    const worker = new PoolWorker(thread, new Int32Array(wake), replies.port1, new Int32Array(callbackSignal));
    this.#workers.add(worker);
    this.#started++;
    thread.on('message', (message: WorkerMessage) => this.#onMessage(worker, message, onFirstReady));
    thread.on('error', (error) => this.#onCrash(worker, error, onFirstReady));
    thread.on('exit', (code) => {
      if (worker.state !== 'dead') this.#onCrash(worker, new Error(`worker exited with code ${code}`), onFirstReady);
    });
    return worker;
  }

  #onMessage(worker: PoolWorker, message: WorkerMessage, onFirstReady?: (error?: unknown) => void): void {
    if (worker.state === 'dead') return;
    switch (message.type) {
      case 'ready':
        worker.instanceMs = message.instanceMs;
        this.#lastInitFailure = undefined;
        onFirstReady?.();
        this.#markIdle(worker);
        this.#dispatch();
        return;
      case 'init-failed': {
        const error = new OffloadLoadError(
          `the package could not be instantiated: ${faultToError('start', message.fault).message}`,
        );
        this.#lastInitFailure = error;
        onFirstReady?.(error);
        this.#retire(worker, 'could not start');
        return;
      }
      case 'callback':
        this.#runCallback(worker, message);
        return;
      case 'result': {
        const call = worker.current;
        if (!call || call.request.id !== message.id) return;
        clearTimeout(call.timer);
        worker.current = undefined;
        if (message.ok && message.writeBack) {
          // The guest wrote into `&mut [T]` arguments: the caller's own arrays get its writes.
          for (const [index, written] of message.writeBack) {
            const original = call.task.args[index];
            if (ArrayBuffer.isView(original) && original.byteLength === written.byteLength) {
              new Uint8Array(original.buffer, original.byteOffset, original.byteLength).set(
                new Uint8Array(written.buffer, written.byteOffset, written.byteLength),
              );
            }
          }
        }
        if (message.ok) {
          this.#settle(call, undefined, this.#decode(worker, message.value), message.runMs);
        } else {
          this.#settle(call, faultToError(call.task.label, message.fault), undefined, message.runMs);
        }
        if (call.task.op === 'free' && call.task.target) worker.objects.delete(call.task.target.objectId);
        if (!message.ok && message.trapped) {
          this.#retire(worker, 'trapped');
        } else if (worker.next) {
          // The thread has already moved on to the call handed to it.
          const next = worker.next;
          worker.next = undefined;
          this.#handedAhead--;
          this.#begin(worker, next);
        } else {
          this.#markIdle(worker);
        }
        this.#dispatch();
      }
    }
  }

  /** Runs a JS function argument for a guest blocked in a call, and wakes it with the answer. */
  #runCallback(worker: PoolWorker, request: CallbackRequest): void {
    const call = worker.current;
    const fn = call && call.request.id === request.id ? call.callbacks[request.callback] : undefined;
    let reply: CallbackReply;
    if (!fn) {
      reply = { ok: false, message: 'the callback was called after the call that passed it had finished; callbacks are only valid during their call' };
    } else {
      try {
        const value = fn(...request.args);
        reply = (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
          ? { ok: false, message: 'the callback returned a Promise; in pool mode a guest waits for callbacks synchronously, so return a value' }
          : { ok: true, value };
      } catch (error) {
        reply = { ok: false, message: `the callback threw: ${(error as Error)?.message ?? String(error)}` };
      }
    }
    try {
      worker.callbackPort.postMessage(reply);
    } catch (error) {
      worker.callbackPort.postMessage({ ok: false, message: `the callback's result cannot be sent to the worker (${(error as Error).message})` } satisfies CallbackReply);
    }
    Atomics.store(worker.callbackSignal, 0, 1);
    Atomics.notify(worker.callbackSignal, 0);
  }

  #decode(worker: PoolWorker, value: unknown): unknown {
    const one = (v: unknown): unknown => {
      if (!isWireObject(v)) return v;
      worker.objects.add(v[OBJECT_KEY]);
      return new ObjectRef(worker, v[OBJECT_KEY], v.className);
    };
    return Array.isArray(value) ? value.map(one) : one(value);
  }

  #onCrash(worker: PoolWorker, error: unknown, onFirstReady?: (error?: unknown) => void): void {
    if (worker.state === 'dead') return;
    const wasStarting = worker.state === 'starting';
    const call = worker.current;
    if (call) this.#settle(call, new OffloadWorkerCrashedError(call.task.label, error));
    this.#retire(worker, 'crashed');
    if (wasStarting) {
      const failure = new OffloadLoadError(`a worker thread failed to start: ${(error as Error)?.message ?? String(error)}`, error);
      this.#lastInitFailure = failure;
      onFirstReady?.(failure);
      this.#dispatch();
    }
  }

  /** Ends a thread for good: its in-flight call must already be settled or is failed here. */
  #retire(worker: PoolWorker, why: string): void {
    if (worker.state === 'dead') return;
    const wasServing = worker.state !== 'starting';
    if (worker.state === 'busy') worker.busyMs += performance.now() - worker.busySince;
    worker.state = 'dead';
    worker.diedAt = performance.now();
    clearTimeout(worker.idleTimer);
    this.#workers.delete(worker);
    this.#retiredBusyMs += worker.busyMs;
    this.#retiredAliveMs += worker.diedAt - worker.bornAt;
    if (why !== 'idle' && why !== 'closed' && wasServing) this.#replaced++;
    if (worker.current) {
      clearTimeout(worker.current.timer);
      this.#settle(worker.current, new OffloadWorkerCrashedError(worker.current.task.label, new Error(`worker ${why}`)));
      worker.current = undefined;
    }
    if (worker.next) {
      // Handed ahead but never started (a trapped thread ignores what follows): it goes back
      // to the front of the queue for another thread.
      worker.next.posted = false;
      this.#queue.unshift(worker.next);
      worker.next = undefined;
      this.#handedAhead--;
    }
    for (let call = worker.pinned.shift(); call; call = worker.pinned.shift()) {
      this.#pinnedQueued--;
      this.#settle(call, new OffloadInstanceLostError(call.task.label, why));
    }
    worker.objects.clear();
    worker.callbackPort.close();
    void worker.thread.terminate();
    queueMicrotask(() => {
      // Keep the minimum warm so the next caller does not pay for a thread start; and even
      // while closing, a call put back in the queue above must still find a thread.
      if (this.#lastInitFailure) return;
      if (!this.#closed && this.#workers.size < this.#options.minThreads) this.#spawn();
      this.#dispatch();
    });
  }

  #markIdle(worker: PoolWorker): void {
    if (worker.state === 'busy') worker.busyMs += performance.now() - worker.busySince;
    worker.state = 'idle';
    // An idle thread must not keep the process alive; a busy one must.
    worker.thread.unref();
    clearTimeout(worker.idleTimer);
    if (this.#workers.size > this.#options.minThreads && Number.isFinite(this.#options.idleTimeoutMs)) {
      worker.idleTimer = setTimeout(() => {
        // Threads that own objects stay: their objects would be lost.
        if (worker.state === 'idle' && worker.objects.size === 0 && worker.pinned.length === 0 &&
            this.#workers.size > this.#options.minThreads) {
          this.#retire(worker, 'idle');
        }
      }, this.#options.idleTimeoutMs);
      worker.idleTimer.unref();
    }
  }

  #settle(call: PendingCall, error: unknown, value?: unknown, runMs?: number): void {
    if (call.settled) return;
    call.settled = true;
    clearTimeout(call.timer);
    clearTimeout(call.queueTimer);
    this.#metrics.finished(call.task.label, runMs, error instanceof OffloadCallError ? error.code : error ? 'ERR_OFFLOAD_TRAP' : undefined);
    if (error) call.reject(error);
    else call.resolve(value);
  }

  release(ref: ObjectRef): void {
    const worker = ref.owner as PoolWorker;
    if (ref.freed || worker.state === 'dead') return;
    ref.freed = true;
    worker.objects.delete(ref.objectId);
    // Messages are handled in order after the running call, so this never races a method call.
    worker.post({ type: 'release', objectIds: [ref.objectId] });
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = new Promise<void>((resolve) => {
      this.#drained = resolve;
      this.#maybeDrained();
    }).then(async () => {
      const threads = [...this.#workers];
      for (const worker of threads) this.#retire(worker, 'closed');
      await Promise.all(threads.map((w) => w.thread.terminate()));
    });
    return this.#closing;
  }

  #maybeDrained(): void {
    if (!this.#drained) return;
    if (this.#waiting() > 0) return;
    for (const worker of this.#workers) if (worker.state === 'busy') return;
    const drained = this.#drained;
    this.#drained = undefined;
    drained();
  }

  metrics(): MetricsSnapshot {
    const now = performance.now();
    let busy = this.#retiredBusyMs;
    let alive = this.#retiredAliveMs;
    let busyThreads = 0;
    let liveObjects = 0;
    for (const worker of this.#workers) {
      busy += worker.busyMs + (worker.state === 'busy' ? now - worker.busySince : 0);
      alive += now - worker.bornAt;
      if (worker.state === 'busy') busyThreads++;
      liveObjects += worker.objects.size;
    }
    return this.#metrics.snapshot({
      mode: 'pool',
      queueDepth: this.#waiting(),
      running: busyThreads,
      threads: this.#workers.size,
      busyThreads,
      utilization: alive > 0 ? Math.min(1, busy / alive) : 0,
      workersStarted: this.#started,
      workersReplaced: this.#replaced,
      liveObjects,
    });
  }
}
