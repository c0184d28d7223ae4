// The worker pool: a FIFO queue, threads between min and max, one call running per thread,
// and, when every thread is busy, more calls already handed to busy threads (about a
// millisecond of work each, by the calls' measured run times), so that a thread starts its
// next call without waiting for the main thread to notice the last one finished.
// Written for this runtime rather than wrapping Piscina because three things it needs are
// outside Piscina's model: calls pinned to the thread that owns an object (class handles),
// replacing a thread after a trap while keeping the others, and a leaner round trip
// (bench/runtime.ts prints both side by side). The thread itself is in pool-worker.ts, how
// arguments and results are encoded in wire.ts, how they travel in channel-caller.ts, and how
// the pool learns of answers in answer-watch.ts; this file only decides what runs where.

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
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
import { PoolWorker } from './pool-worker.js';
import { AnswerWatch } from './answer-watch.js';
import { CallCosts } from './call-costs.js';
import { mutatedArgs } from './glue-shape.js';
import { SIGNAL_BYTES } from './channel-layout.js';
import type { CallbackRequest, CallRequest, CallResponse, CallSpec, InstanceConfig, WorkerMessage } from './protocol.js';
import { Queue } from './queue.js';
import { applyWriteBack, decodeResult, encodeCall, runCallback, type Callback } from './wire.js';

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
  pinnedTo: Thread | undefined;
  /** JS function arguments, called back from the worker by index. */
  callbacks: Callback[];
  /** What the call is expected to run for, from its function's past calls (ms). */
  estimateMs: number;
  /** Written to a thread that had nothing else to do, the moment it was made. */
  foundThreadFree: boolean;
  /** Its thread was asleep when it was written: its answer waits for a wake-up first. */
  wokeThread: boolean;
}

/** Work handed ahead to a busy thread, beyond its running call, by expected run time. */
const AHEAD_BUDGET_MS = 1;

type Thread = PoolWorker<PendingCall>;

let nextCallId = 1;

export class Pool implements Executor {
  readonly #config: InstanceConfig;
  readonly #options: PoolOptions;
  readonly #queue = new Queue<PendingCall>();
  readonly #workers = new Set<Thread>();
  readonly #metrics: Metrics;
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
  #home: Thread | undefined;
  #lastInitFailure: OffloadCallError | undefined;
  /** Every thread bumps it after each answer; the watch waits on it. */
  readonly #answerCounter = new SharedArrayBuffer(SIGNAL_BYTES);
  readonly #answers: AnswerWatch;
  /** Run times and round trips as measured (mode 'auto' reads them too). */
  readonly costs = new CallCosts();
  /** The arguments each function writes into (`&mut [T]`), which must not share memory. */
  readonly #mutated = new Map<string, readonly number[]>();
  /** The call being accepted by run(), while it looks for a thread. */
  #arriving: PendingCall | undefined;

  /** `metrics` is shared when another executor records into the same counts (mode 'auto'). */
  constructor(config: InstanceConfig, options: PoolOptions, metrics = new Metrics()) {
    this.#config = config;
    this.#options = options;
    this.#metrics = metrics;
    this.#answers = new AnswerWatch(this.#answerCounter, {
      signalThreads: () => {
        for (const worker of this.#workers) worker.channel.signal();
      },
      drain: () => this.#drain(),
      unanswered: () => {
        let unanswered = 0;
        for (const worker of this.#workers) unanswered += worker.channel.unanswered;
        return unanswered;
      },
      nextAnswerDueMs: (now) => this.#nextAnswerDueMs(now),
    });
    let resolveReady!: () => void;
    let rejectReady!: (error: unknown) => void;
    this.#firstReady = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.#spawn((error) => (error ? rejectReady(error) : resolveReady()));
    for (let i = 1; i < options.minThreads; i++) this.#spawn();
  }

  /** Resolves once one thread has built its instance; rejects if that failed. */
  ready(): Promise<void> {
    return this.#firstReady;
  }

  run(task: CallTask): Promise<unknown> {
    if (this.#closed) return Promise.reject(new OffloadClosedError(task.label));
    const callbacks: Callback[] = [];
    let pinnedTo: Thread | undefined;
    let request: CallRequest;
    try {
      pinnedTo = this.#ownerOf(task);
      request = encodeCall(task, this.#checkUsable, callbacks) as CallRequest;
      request.type = 'call';
      request.id = nextCallId++;
    } catch (error) {
      return Promise.reject(error);
    }
    if (!pinnedTo && task.makesObjects) pinnedTo = this.#homeWorker();
    if (this.#options.maxQueue !== Infinity && this.#waiting() >= this.#options.maxQueue && !this.#hasIdleFor(pinnedTo)) {
      return Promise.reject(new OffloadQueueFullError(task.label, this.#options.maxQueue));
    }
    return new Promise((resolve, reject) => {
      const call: PendingCall = {
        task,
        request,
        enqueuedAt: performance.now(),
        resolve,
        reject,
        settled: false,
        timer: undefined,
        queueTimer: undefined,
        posted: false,
        pinnedTo,
        callbacks,
        estimateMs: this.costs.runMs(task.label) ?? AHEAD_BUDGET_MS,
        foundThreadFree: false,
        wokeThread: false,
      };
      const queueTimeoutMs = task.queueTimeoutMs;
      if (queueTimeoutMs !== undefined) call.queueTimer = setTimeout(() => this.#abandon(call, queueTimeoutMs), queueTimeoutMs);
      if (pinnedTo) pinnedTo.pinned.push(call);
      else this.#queue.push(call);
      this.#arriving = call;
      this.#dispatch();
      this.#arriving = undefined;
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
      if (call.pinnedTo) call.pinnedTo.pinned.remove(call);
      else this.#queue.remove(call);
    }
    this.#settle(call, new OffloadQueueTimeoutError(call.task.label, queueTimeoutMs));
    this.#maybeDrained();
  }

  /** The thread objects live on, chosen (or started) when there is none. */
  #homeWorker(): Thread {
    if (this.#home && this.#home.state !== 'dead') return this.#home;
    let choice: Thread | undefined;
    for (const worker of this.#workers) {
      if (!choice || (worker.state === 'idle' && choice.state !== 'idle')) choice = worker;
    }
    this.#home = choice ?? this.#spawn();
    return this.#home;
  }

  /** Refuses an object the call cannot use: freed, or on a thread that is gone. */
  readonly #checkUsable = (ref: ObjectRef, task: CallTask): void => {
    if (ref.freed) throw new OffloadBadArgumentError(`${task.label}: a ${ref.className} passed to it was already freed. Keep objects alive until the calls that use them have finished.`, { function: task.label });
    if ((ref.owner as Thread).state === 'dead') throw new OffloadInstanceLostError(task.label, 'was replaced after a trap, a timeout or a crash');
  };

  /** The one thread the call must run on because its objects live there, if any. */
  #ownerOf(task: CallTask): Thread | undefined {
    let owner: Thread | undefined;
    // -1 is the target; the loop allocates nothing, as it runs for every call.
    for (let i = -1; i < task.args.length; i++) {
      const ref = i < 0 ? task.target : task.args[i];
      if (!(ref instanceof ObjectRef)) continue;
      const worker = ref.owner as Thread;
      if (owner && owner !== worker) {
        throw new OffloadBadArgumentError(
          `${task.label}: its objects live in different instances, and an object can only be used where it was created. ` +
            'Create related objects from one another (e.g. with a method) so they share an instance.',
          { function: task.label },
        );
      }
      owner = worker;
    }
    return owner;
  }

  /** Calls accepted but not started: queued, pinned, or handed ahead to a busy thread. */
  #waiting(): number {
    let waiting = this.#queue.length;
    for (const worker of this.#workers) waiting += worker.waiting;
    return waiting;
  }

  #hasIdleFor(pinnedTo: Thread | undefined): boolean {
    if (pinnedTo) return pinnedTo.state === 'idle';
    for (const worker of this.#workers) if (worker.state === 'idle') return true;
    return false;
  }

  #dispatch(): void {
    for (const worker of this.#workers) {
      if (worker.state !== 'idle') continue;
      const call = worker.pinned.shift() ?? this.#queue.shift();
      if (!call) continue;
      this.#start(worker, call);
    }
    // Every thread is busy: hand calls to busy threads, round robin, each up to about a
    // millisecond of expected work. A thread's own pinned calls go first; shared calls only go
    // to threads with no pinned work, so objects' calls are not held up behind them.
    for (let handed = true; handed; ) {
      handed = false;
      for (const worker of this.#workers) {
        if (worker.state !== 'busy') continue;
        const pinned = worker.pinned.length > 0;
        const next = pinned ? worker.pinned.peek() : worker.current?.pinnedTo ? undefined : this.#queue.peek();
        if (!next || !this.#hasRoomAhead(worker, next)) continue;
        this.#handAhead(worker, (pinned ? worker.pinned.shift() : this.#queue.shift()) as PendingCall);
        handed = true;
      }
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

  #start(worker: Thread, call: PendingCall): void {
    clearTimeout(worker.idleTimer);
    call.foundThreadFree = call === this.#arriving;
    worker.state = 'busy';
    // A call that arrived just now (in this same run()) has read the clock already.
    const now = call.foundThreadFree ? call.enqueuedAt : performance.now();
    worker.busySince = now;
    worker.holdProcess();
    worker.decideSpinning(now);
    this.#begin(worker, call, now);
    this.#post(worker, call);
  }

  #hasRoomAhead(worker: Thread, call: PendingCall): boolean {
    if (!worker.channel.hasRoom) return false;
    return worker.ahead.length === 0 || worker.aheadMs + call.estimateMs <= AHEAD_BUDGET_MS;
  }

  #handAhead(worker: Thread, call: PendingCall): void {
    worker.ahead.push(call);
    worker.aheadMs += call.estimateMs;
    this.#post(worker, call);
  }

  /** `call` is now the one running on `worker`: its queue wait ends and its timeout starts. */
  #begin(worker: Thread, call: PendingCall, now = performance.now()): void {
    clearTimeout(call.queueTimer);
    worker.current = call;
    worker.currentSince = now;
    this.#metrics.started(call.task.label, worker.currentSince - call.enqueuedAt);
    if (call.task.timeoutMs !== undefined) {
      const timeoutMs = call.task.timeoutMs;
      // A guest in a tight loop never yields, so the only way to stop it is to end the thread.
      call.timer = setTimeout(() => {
        this.#settle(call, new OffloadTimeoutError(call.task.label, timeoutMs));
        this.#retire(worker, 'was stopped after a timeout');
      }, timeoutMs);
    }
  }

  #post(worker: Thread, call: PendingCall): void {
    call.posted = true;
    call.wokeThread = worker.channel.workerAsleep;
    try {
      worker.channel.writeCall(call.request.id, call.request, call.task.transfer, this.#mutatedBy(call.task.label, call.request));
      this.#answers.schedule();
    } catch (error) {
      // Arguments that cannot be cloned; the thread never saw the call.
      clearTimeout(call.timer);
      if (worker.ahead.at(-1) === call) {
        worker.ahead.pop();
        worker.aheadMs -= call.estimateMs;
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

  #spawn(onFirstReady?: (error?: unknown) => void): Thread {
    const worker: Thread = new PoolWorker(this.#config, this.#answerCounter);
    const { thread } = worker;
    this.#workers.add(worker);
    this.#started++;
    thread.on('message', (message: WorkerMessage) => this.#onMessage(worker, message, onFirstReady));
    // A rayon helper's trap ends the call its instance is blocked in, exactly like the instance's own.
    worker.onHelperTrap = (fault) => {
      const call = worker.current;
      if (call) this.#onResult(worker, { type: 'result', id: call.request.id, ok: false, fault, trapped: true, runMs: performance.now() - worker.currentSince });
      else this.#retire(worker, 'trapped');
    };
    thread.on('error', (error) => this.#onCrash(worker, error, onFirstReady));
    thread.on('exit', (code) => {
      if (worker.state !== 'dead') this.#onCrash(worker, new Error(`worker exited with code ${code}`), onFirstReady);
    });
    return worker;
  }

  #onMessage(worker: Thread, message: WorkerMessage, onFirstReady?: (error?: unknown) => void): void {
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
    }
  }

  /** Reads every thread's answers so far; how many calls they settled. */
  #drain(): number {
    let settled = 0;
    for (const worker of this.#workers) {
      for (let answer = worker.channel.readResult(); answer; answer = worker.channel.readResult()) {
        if (answer === 'released') continue;
        this.#onResult(worker, answer);
        settled++;
        if (worker.state === 'dead') break;
      }
      if (worker.state !== 'dead') this.#flushReleases(worker);
    }
    return settled;
  }

  /** How soon the next answer is expected: the running call closest to its usual run time. */
  #nextAnswerDueMs(now: number): number {
    let due = Infinity;
    for (const worker of this.#workers) {
      const call = worker.current;
      // A sleeping thread has not started yet: waking it costs more than any spin would save.
      if (!call || call.wokeThread || worker.channel.workerAsleep || this.costs.runMs(call.task.label) === undefined) continue;
      due = Math.min(due, Math.max(0, call.estimateMs - (now - worker.currentSince)));
    }
    return due;
  }

  #onResult(worker: Thread, message: CallResponse): void {
    const call = worker.current;
    if (worker.state === 'dead' || !call || call.request.id !== message.id) return;
    clearTimeout(call.timer);
    worker.current = undefined;
    // Only a call that found its thread free measures the round trip; others also waited.
    const now = performance.now();
    this.costs.record(call.task.label, message.runMs, call.foundThreadFree ? now - call.enqueuedAt - message.runMs : undefined);
    applyWriteBack(call.task.args, message);
    if (message.ok) {
      const value = decodeResult(message.value, (objectId, className) => {
        worker.objects.add(objectId);
        return new ObjectRef(worker, objectId, className);
      });
      this.#settle(call, undefined, value, message.runMs);
    } else {
      this.#settle(call, faultToError(call.task.label, message.fault), undefined, message.runMs);
    }
    if (call.task.op === 'free' && call.task.target) worker.objects.delete(call.task.target.objectId);
    if (!message.ok && message.trapped) {
      this.#retire(worker, 'trapped');
    } else if (worker.ahead.length > 0) {
      // The thread has already moved on to the next call handed to it.
      const next = worker.ahead.shift() as PendingCall;
      worker.aheadMs = worker.ahead.length === 0 ? 0 : worker.aheadMs - next.estimateMs;
      // Written while the thread slept, but the thread is awake now: it just answered.
      next.wokeThread = false;
      this.#begin(worker, next, now);
    } else {
      this.#markIdle(worker, now);
    }
    this.#dispatch();
  }

  /** The arguments a call's function writes into, from the glue's shape (looked up once per function). */
  #mutatedBy(label: string, spec: CallSpec): readonly number[] {
    let mutated = this.#mutated.get(label);
    if (!mutated) this.#mutated.set(label, (mutated = mutatedArgs(this.#config.shape, spec)));
    return mutated;
  }

  /** Runs a JS function argument for a guest blocked in a call, and wakes it with the answer. */
  #runCallback(worker: Thread, request: CallbackRequest): void {
    const call = worker.current;
    worker.answerCallback(runCallback(call && call.request.id === request.id ? call.callbacks[request.callback] : undefined, request.args));
  }

  #onCrash(worker: Thread, error: unknown, onFirstReady?: (error?: unknown) => void): void {
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
  #retire(worker: Thread, why: string): void {
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
    // Handed ahead but never started (a trapped thread ignores what follows): shared calls go
    // back to the front of the queue, in order, for another thread; pinned ones lost their objects.
    for (const call of worker.ahead.splice(0).reverse()) {
      call.posted = false;
      if (call.pinnedTo) this.#settle(call, new OffloadInstanceLostError(call.task.label, why));
      else this.#queue.unshift(call);
    }
    worker.aheadMs = 0;
    for (let call = worker.pinned.shift(); call; call = worker.pinned.shift()) {
      this.#settle(call, new OffloadInstanceLostError(call.task.label, why));
    }
    worker.objects.clear();
    void worker.stop();
    queueMicrotask(() => {
      // Keep the minimum warm so the next caller does not pay for a thread start; and even
      // while closing, a call put back in the queue above must still find a thread.
      if (this.#lastInitFailure) return;
      if (!this.#closed && this.#workers.size < this.#options.minThreads) this.#spawn();
      this.#dispatch();
    });
  }

  #markIdle(worker: Thread, now = performance.now()): void {
    worker.idleSince = now;
    if (worker.state === 'busy') worker.busyMs += worker.idleSince - worker.busySince;
    worker.state = 'idle';
    // An idle thread must not keep the process alive; a busy one must.
    worker.letProcessExit();
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
    const worker = ref.owner as Thread;
    if (ref.freed || worker.state === 'dead') return;
    ref.freed = true;
    worker.objects.delete(ref.objectId);
    // The ring is read in order, so this never overtakes a method call already written.
    worker.releases.push(ref.objectId);
    this.#flushReleases(worker);
  }

  /** Writes the objects waiting to be freed on `worker`, if its ring has room now. */
  #flushReleases(worker: Thread): void {
    if (worker.releases.length === 0 || !worker.channel.hasRoom) return;
    worker.channel.writeRelease(worker.releases.splice(0));
    this.#answers.schedule();
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
      this.#answers.close();
      await Promise.all(threads.map((w) => w.stop()));
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
      simdVariant: this.#config.simdVariant,
    });
  }
}
