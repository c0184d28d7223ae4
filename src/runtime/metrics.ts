// Per-function counters and latency histograms, plus pool gauges. Kept apart from the pool so
// the pool only reports events and the HTTP server only reads snapshots.

import type { SimdVariant } from '../package/manifest.js';
import type { OffloadErrorCode } from './errors.js';
import { addHistogramCounts, Histogram, type HistogramCounts, type HistogramSnapshot } from './histogram.js';

/** A function's counts, which add up across loads of a package (see addFunctionTotals). */
export interface FunctionTotals {
  calls: number;
  succeeded: number;
  failed: number;
  /** Failed calls by error code. */
  errors: Partial<Record<OffloadErrorCode, number>>;
  /** Time from the call to the moment a worker started it. */
  queueWait: HistogramCounts;
  /** Time the worker spent running it (measured inside the worker). */
  run: HistogramCounts;
}

export interface FunctionMetrics extends FunctionTotals {
  queueWait: HistogramSnapshot;
  run: HistogramSnapshot;
}

export interface PoolMetrics {
  mode: 'pool' | 'inline' | 'auto';
  /** Calls accepted but not yet started. */
  queueDepth: number;
  /** Calls running now. */
  running: number;
  threads: number;
  busyThreads: number;
  /** Share of thread time spent running calls since load(), 0..1. */
  utilization: number;
  workersStarted: number;
  workersReplaced: number;
  /** Objects (class instances) alive in the instances. */
  liveObjects: number;
  /**
   * Which SIMD the instances' module uses: 'relaxed-simd' is the --relaxed-simd twin, 'none' a
   * --no-simd build. Always set for packages opened with load().
   */
  simdVariant?: SimdVariant;
  /** mode 'auto': where each function called so far runs now (src/runtime/auto.ts). */
  placement?: Record<string, 'inline' | 'pool'>;
  /**
   * mode 'auto': what a pooled call costs beyond its run time (ms, the median of the last eight
   * calls that found a thread free: call-costs.ts), the line between the two placements.
   * Undefined until eight such calls have run.
   */
  roundTripMs?: number | undefined;
}

export interface MetricsSnapshot extends PoolMetrics {
  functions: Record<string, FunctionMetrics>;
}

class FunctionStats {
  calls = 0;
  succeeded = 0;
  failed = 0;
  errors: Partial<Record<OffloadErrorCode, number>> = {};
  queueWait = new Histogram();
  run = new Histogram();
}

export class Metrics {
  readonly #functions = new Map<string, FunctionStats>();

  #stats(fn: string): FunctionStats {
    let stats = this.#functions.get(fn);
    if (!stats) {
      stats = new FunctionStats();
      this.#functions.set(fn, stats);
    }
    return stats;
  }

  started(fn: string, queueWaitMs: number): void {
    this.#stats(fn).queueWait.record(queueWaitMs);
  }

  finished(fn: string, runMs: number | undefined, errorCode?: OffloadErrorCode): void {
    const stats = this.#stats(fn);
    stats.calls++;
    if (runMs !== undefined) stats.run.record(runMs);
    if (errorCode === undefined) {
      stats.succeeded++;
    } else {
      stats.failed++;
      stats.errors[errorCode] = (stats.errors[errorCode] ?? 0) + 1;
    }
  }

  snapshot(pool: PoolMetrics): MetricsSnapshot {
    const functions: Record<string, FunctionMetrics> = {};
    for (const [name, s] of this.#functions) {
      functions[name] = {
        calls: s.calls,
        succeeded: s.succeeded,
        failed: s.failed,
        errors: { ...s.errors },
        queueWait: s.queueWait.snapshot(),
        run: s.run.snapshot(),
      };
    }
    return { ...pool, functions };
  }
}

/** Per-function totals of two sources (e.g. two builds of one package), as if they were one. */
export function addFunctionTotals(a: Record<string, FunctionTotals>, b: Record<string, FunctionTotals>): Record<string, FunctionTotals> {
  const sum: Record<string, FunctionTotals> = { ...a };
  for (const [name, add] of Object.entries(b)) {
    const base = sum[name];
    if (!base) {
      sum[name] = add;
      continue;
    }
    const errors = { ...base.errors };
    for (const [code, count] of Object.entries(add.errors) as [OffloadErrorCode, number][]) errors[code] = (errors[code] ?? 0) + count;
    sum[name] = {
      calls: base.calls + add.calls,
      succeeded: base.succeeded + add.succeeded,
      failed: base.failed + add.failed,
      errors,
      queueWait: addHistogramCounts(base.queueWait, add.queueWait),
      run: addHistogramCounts(base.run, add.run),
    };
  }
  return sum;
}
