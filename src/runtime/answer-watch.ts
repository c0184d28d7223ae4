// How the pool learns that its threads answered. Every thread bumps one shared counter after
// each answer it writes into its ring. The pool reads the rings when that counter moves: it
// waits for it with Atomics.waitAsync (one wake-up of the event loop for however many answers
// arrived, not one message each), or, when an answer is due within a few microseconds (a
// running call that has taken microseconds so far), it spins on the counter for at most that
// long: an event-loop wake-up costs ~10 µs of latency and ~3 µs of main-thread time, more than
// the wait it replaces. The spinning is capped per turn of the event loop, so a loop of awaited
// calls still lets timers and I/O run.

import { performance } from 'node:perf_hooks';
import { ANSWERS, POOL_WAITING, PREEMPTED_MS } from './channel-layout.js';

/** Longest single spin for an answer. */
const SPIN_MAX_MS = 0.02;
/** Spinning allowed per turn of the event loop, so a stream of calls cannot starve it. */
const SPIN_PER_TURN_MS = 0.25;
/**
 * After four spins in a row that saw no answer, or one during which the pool's own thread lost
 * its core (PREEMPTED_MS), none for this long: threads do not get a core in time (more runnable
 * threads than cores: garbage collection, other processes), and a spinning caller would only
 * keep one more core taken.
 */
const BACK_OFF_MS = 1;

/** Atomics.waitAsync (ES2024), which TypeScript's ES2022 library does not declare. */
type WaitAsync = (view: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export interface AnswerSource {
  /** Wakes threads that sleep and have new calls in their rings. */
  signalThreads(): void;
  /** Reads every answer written so far and settles its call; how many there were. */
  drain(): number;
  /** Calls written to threads and not yet answered. */
  unanswered(): number;
  /** When the next answer is expected, in ms after `now`; Infinity when no guess can be made. */
  nextAnswerDueMs(now: number): number;
}

export class AnswerWatch {
  readonly #counter: Int32Array;
  readonly #source: AnswerSource;
  #scheduled = false;
  #waiting = false;
  #closed = false;
  #spinLeftMs = SPIN_PER_TURN_MS;
  #noSpinUntil = 0;
  #failedSpins = 0;
  #refillQueued = false;

  constructor(counter: SharedArrayBuffer, source: AnswerSource) {
    this.#counter = new Int32Array(counter);
    this.#source = source;
  }

  /**
   * Calls were written: once the current tick's synchronous code is done, wake the threads
   * (one wake-up for all the calls of the tick) and watch for their answers.
   */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#collect);
  }

  /** No more answers will be needed: lets a pending wait end. */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#counter, ANSWERS);
  }

  readonly #collect = (): void => {
    this.#scheduled = false;
    const source = this.#source;
    for (;;) {
      source.signalThreads();
      // Read before draining: an answer written after the drain then moves the counter past it.
      const seen = Atomics.load(this.#counter, ANSWERS);
      // Settling answers can hand more calls to threads: look again until nothing moved.
      if (source.drain() > 0) continue;
      if (this.#closed || this.#waiting || source.unanswered() === 0) return;
      if (this.#spin(seen)) continue;
      this.#wait(seen);
      return;
    }
  };

  #wait(seen: number): void {
    // Said before the wait: a thread that answers after this notifies; one that answered
    // before it moved the counter past `seen`, and the wait returns at once.
    Atomics.store(this.#counter, POOL_WAITING, 1);
    const wait = waitAsync(this.#counter, ANSWERS, seen);
    if (!wait.async) {
      Atomics.store(this.#counter, POOL_WAITING, 0);
      this.schedule();
      return;
    }
    this.#waiting = true;
    void wait.value.then(() => {
      Atomics.store(this.#counter, POOL_WAITING, 0);
      this.#waiting = false;
      this.#collect();
    });
  }

  /** Spins while the next answer is due soon; true when the counter moved. */
  #spin(seen: number): boolean {
    if (this.#spinLeftMs <= 0) return false;
    const started = performance.now();
    if (started < this.#noSpinUntil || this.#source.nextAnswerDueMs(started) > SPIN_MAX_MS) return false;
    const until = started + Math.min(SPIN_MAX_MS, this.#spinLeftMs);
    let moved = false;
    let now = started;
    let preempted = false;
    while (!moved && now < until) {
      moved = Atomics.load(this.#counter, ANSWERS) !== seen;
      if (moved) break;
      const last = now;
      now = performance.now();
      if (now - last > PREEMPTED_MS) {
        preempted = true;
        break;
      }
    }
    this.#spinLeftMs -= now - started;
    this.#failedSpins = moved ? 0 : this.#failedSpins + 1;
    if (preempted || this.#failedSpins >= 4) this.#noSpinUntil = now + BACK_OFF_MS;
    if (!this.#refillQueued) {
      this.#refillQueued = true;
      setImmediate(() => {
        this.#refillQueued = false;
        this.#spinLeftMs = SPIN_PER_TURN_MS;
      }).unref();
    }
    return moved;
  }
}
