// One worker thread of the pool and what the scheduler tracks about it. Starting it means
// handing the thread the compiled module and its channels: the shared-memory ring its calls
// and answers travel through (channel-caller.ts), and a reply port with the flag that wakes a
// guest blocked waiting for a callback's answer.

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel, MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { launchWorker } from '../wasm/launch-worker.js';
import type { CallbackReply, Fault, HelperTrap, InstanceConfig } from './protocol.js';
import { Queue } from './queue.js';
import { CallChannel } from './channel-caller.js';

/** Names each threaded instance's trap channel uniquely within the process. */
let channelCount = 0;

/** Every pool thread of the process, of every pool. */
const liveThreads = new Set<PoolWorker<unknown>>();
const cores = availableParallelism();
/** A thread idle for less than this still counts as in use when another decides to spin. */
const RECENT_MS = 1;

export type WorkerState = 'starting' | 'idle' | 'busy' | 'dead';

export class PoolWorker<Call> {
  state: WorkerState = 'starting';
  current: Call | undefined;
  /** Written to the thread behind `current`, in order; each starts the moment the one before ends there. */
  readonly ahead: Call[] = [];
  /** The run time the calls in `ahead` are expected to take, in ms. */
  aheadMs = 0;
  /** Objects to free once the ring has room (it was full when their handles were collected). */
  readonly releases: number[] = [];
  /** Calls that must run on this thread (its objects live here), waiting for it. */
  readonly pinned = new Queue<Call>();
  readonly objects = new Set<number>();
  idleTimer: NodeJS.Timeout | undefined;
  busySince = 0;
  /** When the thread last became idle. */
  idleSince = 0;
  /** When `current` started, as far as the pool knows (it learns when the call before ended). */
  currentSince = 0;
  busyMs = 0;
  readonly bornAt = performance.now();
  diedAt: number | undefined;
  instanceMs = 0;
  readonly thread: Worker;
  readonly channel: CallChannel;
  /** Where the answers to a blocked guest's callbacks go, and the flag that wakes it. */
  readonly #callbackPort: MessagePort;
  readonly #callbackSignal: Int32Array;
  /** A threaded instance's rayon helpers report a trap here: its own thread is blocked in the call. */
  readonly #helperTraps: BroadcastChannel | undefined;
  /** Set by the pool: what to do when a helper of this thread's instance trapped. */
  onHelperTrap: (fault: Fault) => void = () => undefined;
  /** Whether the thread keeps the process alive (a new Worker does). */
  #holding = true;
  #letGoQueued = false;

  constructor(config: InstanceConfig, signal: SharedArrayBuffer) {
    const channel = new CallChannel(config.shape, signal);
    const callbackSignal = new SharedArrayBuffer(4);
    const replies = new MessageChannel();
    let threads = config.threads;
    if (threads) {
      const trapChannel = `offload-helper-traps-${process.pid}-${++channelCount}`;
      this.#helperTraps = new BroadcastChannel(trapChannel);
      this.#helperTraps.unref();
      this.#helperTraps.onmessage = (event) => {
        const message = (event as { data?: HelperTrap }).data;
        if (message?.type === 'helper-trap') this.onHelperTrap(message.fault);
      };
      threads = { ...threads, trapChannel };
    }
    this.thread = launchWorker(new URL('./worker.js', import.meta.url), {
      workerData: { ...config, threads, channel: channel.ends, callbackPort: replies.port2, callbackSignal } satisfies InstanceConfig,
      transferList: [replies.port2, channel.ends.port],
    });
    this.channel = channel;
    liveThreads.add(this);
    this.#callbackPort = replies.port1;
    this.#callbackSignal = new Int32Array(callbackSignal);
  }

  /** Calls accepted for this thread that it has not started. */
  get waiting(): number {
    return this.pinned.length + this.ahead.length;
  }

  /** Answers a guest blocked in a callback, and wakes it. */
  answerCallback(reply: CallbackReply): void {
    try {
      this.#callbackPort.postMessage(reply);
    } catch (error) {
      this.#callbackPort.postMessage({ ok: false, message: `the callback's result cannot be sent to the worker (${(error as Error).message})` } satisfies CallbackReply);
    }
    Atomics.store(this.#callbackSignal, 0, 1);
    Atomics.notify(this.#callbackSignal, 0);
  }

  /**
   * Decided as a call starts here: whether this thread may spin for its next call once done. Only
   * if it and the other threads in use (of any pool: running, starting, or idle for less than a
   * millisecond) leave a core for the caller's event loop. Past that, a spinning thread takes
   * a core the event loop or another thread needs: a server whose threads all work would lose
   * throughput to the spinning, while a caller awaiting one call at a time gains the wake-ups.
   */
  decideSpinning(now: number): void {
    let inUse = 1;
    for (const other of liveThreads) {
      if (other === this || other.state === 'dead') continue;
      if (other.state !== 'idle' || now - other.idleSince < RECENT_MS) inUse++;
    }
    this.channel.spinAllowed = inUse < cores;
  }

  /** A busy thread keeps the process alive. */
  holdProcess(): void {
    if (this.#holding) return;
    this.thread.ref();
    this.#holding = true;
  }

  /**
   * An idle thread must not keep the process alive. Let go at the next turn of the event loop,
   * if it is still idle then: ref() and unref() cross into C++, which calls back to back in one
   * turn would pay on every call.
   */
  letProcessExit(): void {
    if (!this.#holding || this.#letGoQueued) return;
    this.#letGoQueued = true;
    setImmediate(() => {
      this.#letGoQueued = false;
      // Only an idle thread lets go: a busy one works, a dead one is being waited for (stop()).
      if (this.state !== 'idle' || !this.#holding) return;
      this.thread.unref();
      this.#holding = false;
    }).unref();
  }

  /** Ends the thread; its state is the scheduler's to settle first. */
  stop(): Promise<number> {
    liveThreads.delete(this);
    this.#callbackPort.close();
    this.channel.close();
    this.#helperTraps?.close();
    // An idle thread is unref'd; until it has ended, the process must wait for it, or an
    // awaited $close() would leave the event loop empty and the caller's await unsettled.
    this.holdProcess();
    return this.thread.terminate();
  }
}
