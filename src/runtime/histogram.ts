// A fixed-bucket latency histogram: constant memory, O(buckets) per sample. Snapshots hold
// cumulative buckets in milliseconds with an estimated p50/p90/p99 for $metrics(); the HTTP
// server converts the buckets to seconds for Prometheus (src/server/function-metrics.ts).

/** Upper bounds in milliseconds; the last bucket (+Inf) is implicit. */
export const DEFAULT_BUCKETS_MS: readonly number[] = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
];

/** What a histogram has counted: enough to export it, and to add two of them together. */
export interface HistogramCounts {
  count: number;
  sumMs: number;
  /** Cumulative counts per upper bound, Prometheus style; `le: Infinity` holds every sample. */
  buckets: { le: number; count: number }[];
}

export interface HistogramSnapshot extends HistogramCounts {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;
  #max = 0;

  constructor(bounds: readonly number[] = DEFAULT_BUCKETS_MS) {
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }

  record(ms: number): void {
    let i = 0;
    while (i < this.#bounds.length && ms > (this.#bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#count++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** Estimates a quantile by linear interpolation inside its bucket. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = q * this.#count;
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const inBucket = this.#counts[i] as number;
      if (seen + inBucket >= rank && inBucket > 0) {
        const lower = i === 0 ? 0 : (this.#bounds[i - 1] as number);
        const upper = i < this.#bounds.length ? (this.#bounds[i] as number) : this.#max;
        return Math.min(this.#max, lower + ((upper - lower) * (rank - seen)) / inBucket);
      }
      seen += inBucket;
    }
    return this.#max;
  }

  snapshot(): HistogramSnapshot {
    let cumulative = 0;
    const buckets = this.#counts.map((c, i) => {
      cumulative += c;
      return { le: i < this.#bounds.length ? (this.#bounds[i] as number) : Infinity, count: cumulative };
    });
    return {
      count: this.#count,
      sumMs: this.#sum,
      buckets,
      p50Ms: this.quantile(0.5),
      p90Ms: this.quantile(0.9),
      p99Ms: this.quantile(0.99),
      maxMs: this.#max,
    };
  }
}

/** The counts of two histograms with the same bounds, as if every sample went to one. */
export function addHistogramCounts(a: HistogramCounts, b: HistogramCounts): HistogramCounts {
  if (a.buckets.length !== b.buckets.length || a.buckets.some((bucket, i) => bucket.le !== b.buckets[i]?.le)) {
    throw new Error('histograms with different bucket bounds cannot be added');
  }
  return {
    count: a.count + b.count,
    sumMs: a.sumMs + b.sumMs,
    buckets: a.buckets.map((bucket, i) => ({ le: bucket.le, count: bucket.count + (b.buckets[i]?.count ?? 0) })),
  };
}
