// What the pool has measured about its calls: each function's run time on a thread, and what a
// call costs beyond its run time (the round trip). The pool hands work ahead and decides when to
// spin by the first; mode 'auto' places functions by comparing the two.

import { RecentMedian } from './recent-median.js';

export class CallCosts {
  /** Each function's run time (ms): the median of its last calls'. */
  readonly #runTimes = new Map<string, RecentMedian>();
  /**
   * What the last calls that found a thread free cost beyond their run time (writing, waking
   * the thread, learning of the answer), in ms.
   */
  readonly #roundTrip = new RecentMedian();

  /** A function's expected run time on a thread (ms), once it has run there. */
  runMs(label: string): number | undefined {
    return this.#runTimes.get(label)?.value;
  }

  /** The median round trip of the last calls that found a thread free; undefined until there are enough. */
  get roundTripMs(): number | undefined {
    return this.#roundTrip.settled ? this.#roundTrip.value : undefined;
  }

  /** A call ran for `runMs`; `roundTripMs` is its cost beyond that when it found a thread free. */
  record(label: string, runMs: number, roundTripMs: number | undefined): void {
    let runTimes = this.#runTimes.get(label);
    if (!runTimes) this.#runTimes.set(label, (runTimes = new RecentMedian()));
    runTimes.add(runMs);
    if (roundTripMs !== undefined) this.#roundTrip.add(roundTripMs);
  }
}
