// mode 'auto': each function runs where it costs least. A call to a worker thread costs a round
// trip on top of its run time; a call on the caller's thread costs nothing extra but blocks it
// for the run time. So a function whose measured run time is below the pool's measured round
// trip runs inline, and every other one in the pool. Functions start in the pool (a slow one
// never blocks the caller before it is measured) and move when the numbers say so, both ways.
// `placement` overrides the choice per function. Calls that involve objects (which live in the
// pool's instances) or carry a timeout (which only a thread can enforce) always go to the pool.
// $metrics().placement shows where each function runs now.

import { performance } from 'node:perf_hooks';
import type { CallTask, RunsHere } from './executor.js';
import { ObjectRef, runAsPromise } from './executor.js';
import type { InlineExecutor } from './inline.js';
import type { MetricsSnapshot } from './metrics.js';
import type { Pool } from './pool.js';
import { RecentMedian } from './recent-median.js';

export type Placement = 'inline' | 'pool';

/** Pool calls a function makes before its placement is decided: a full window of run times. */
const MEASURED_CALLS = 8;
/** One inline call in this many is timed: two clock reads cost a fifth of a trivial inline call. */
const TIMED_EVERY = 8;
/** A function inline runs back in the pool once it takes this many round trips. */
const BACK_TO_POOL = 2;

interface FunctionPlace {
  placement: Placement;
  /** Run times measured on the caller's thread while inline (one call in TIMED_EVERY). */
  inlineMs: RecentMedian;
  poolCalls: number;
  inlineCalls: number;
}

export class AutoExecutor implements RunsHere {
  readonly #pool: Pool;
  readonly #inline: InlineExecutor;
  readonly #overrides: Readonly<Record<string, Placement>>;
  readonly #places = new Map<string, FunctionPlace>();

  constructor(pool: Pool, inline: InlineExecutor, overrides: Readonly<Record<string, Placement>> = {}) {
    this.#pool = pool;
    this.#inline = inline;
    this.#overrides = overrides;
  }

  run(task: CallTask): Promise<unknown> {
    return runAsPromise(this, task);
  }

  /** As InlineExecutor.runHere: the value of an inline call, or a Promise (every pooled call). */
  runHere(task: CallTask): unknown {
    if (!this.#mayRunInline(task)) return this.#pool.run(task);
    const place = this.#placeOf(task.label);
    if (place.placement === 'pool') {
      place.poolCalls++;
      this.#decide(task.label, place);
      return this.#pool.run(task);
    }
    if (place.inlineCalls++ % TIMED_EVERY !== 0) return this.#inline.runHere(task);
    // The guest runs synchronously inside runHere(), so this times the call itself.
    const started = performance.now();
    const result = this.#inline.runHere(task);
    place.inlineMs.add(performance.now() - started);
    this.#decide(task.label, place);
    return result;
  }

  /** Objects live in the pool's instances, and only a thread can be stopped at a timeout. */
  #mayRunInline(task: CallTask): boolean {
    if (task.target || task.makesObjects || task.timeoutMs !== undefined) return false;
    for (const arg of task.args) if (arg instanceof ObjectRef) return false;
    return true;
  }

  #placeOf(label: string): FunctionPlace {
    let place = this.#places.get(label);
    if (!place) {
      place = { placement: this.#overrides[label] ?? 'pool', inlineMs: new RecentMedian(), poolCalls: 0, inlineCalls: 0 };
      this.#places.set(label, place);
    }
    return place;
  }

  #decide(label: string, place: FunctionPlace): void {
    if (this.#overrides[label]) return;
    const roundTripMs = this.#pool.costs.roundTripMs;
    if (roundTripMs === undefined) return;
    if (place.placement === 'pool') {
      const runMs = this.#pool.costs.runMs(label);
      if (place.poolCalls >= MEASURED_CALLS && runMs !== undefined && runMs < roundTripMs) {
        place.placement = 'inline';
        place.inlineMs = new RecentMedian();
        place.inlineCalls = 0;
      }
    } else if ((place.inlineMs.value ?? 0) > BACK_TO_POOL * roundTripMs) {
      place.placement = 'pool';
      place.poolCalls = 0;
    }
  }

  release(ref: ObjectRef): void {
    this.#pool.release(ref);
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#inline.close()]);
  }

  metrics(): MetricsSnapshot {
    const placement: Record<string, Placement> = {};
    for (const [label, place] of this.#places) placement[label] = place.placement;
    for (const [label, choice] of Object.entries(this.#overrides)) placement[label] = choice;
    return { ...this.#pool.metrics(), mode: 'auto', placement, roundTripMs: this.#pool.costs.roundTripMs };
  }
}
