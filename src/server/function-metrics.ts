// The runtime's own per-function numbers ($metrics()) as Prometheus metrics, read when
// /metrics is scraped: calls, failures by code, timeouts, traps, and the queue-wait and run-time
// histograms. The server keeps no second count of calls; it only translates: milliseconds
// become seconds and `le: Infinity` becomes "+Inf", as Prometheus expects.
//
// prom-client's Counter and Histogram can only be fed one sample at a time, and a histogram
// cannot be set from counts kept elsewhere. Its registry, though, reads every metric through
// `get()`, so each family here is a small object with a `get()` that builds the values at
// scrape time (prom-client's own Gauge `collect()` works the same way, one level up).

import type { Metric, Registry } from 'prom-client';
import type { HistogramCounts } from '../runtime/histogram.js';
import type { FunctionTotals } from '../runtime/metrics.js';

/** What the collector reads from a served package. */
export interface CountedPackage {
  readonly name: string;
  functionTotals(): Record<string, FunctionTotals>;
}

type Labels = Record<string, string | number>;
interface Sample {
  labels: Labels;
  value: number;
  /** For the series of a histogram: `<name>_bucket`, `_sum` or `_count`. */
  metricName?: string;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  samples: (pkg: string, fn: string, totals: FunctionTotals) => Sample[];
}

export function registerFunctionMetrics(registry: Registry, packages: readonly CountedPackage[]): void {
  for (const family of FAMILIES) registry.registerMetric(scrapedMetric(family, packages));
}

const FAMILIES: readonly Family[] = [
  {
    name: 'offload_calls_total',
    help: 'Function calls the runtime finished, successful or not, by package and function.',
    type: 'counter',
    samples: (pkg, fn, t) => [{ labels: { package: pkg, function: fn }, value: t.calls }],
  },
  {
    name: 'offload_call_failures_total',
    help: 'Function calls that failed, by error code (the code the caller received).',
    type: 'counter',
    samples: (pkg, fn, t) =>
      Object.entries(t.errors).map(([code, count]) => ({ labels: { package: pkg, function: fn, code }, value: count ?? 0 })),
  },
  {
    name: 'offload_timeouts_total',
    help: 'Calls stopped at their timeout (ERR_OFFLOAD_TIMEOUT; answered 504).',
    type: 'counter',
    samples: (pkg, fn, t) => [{ labels: { package: pkg, function: fn }, value: t.errors.ERR_OFFLOAD_TIMEOUT ?? 0 }],
  },
  {
    name: 'offload_traps_total',
    help: 'Calls that trapped their instance: Rust panics and other traps (ERR_OFFLOAD_TRAP; answered 500).',
    type: 'counter',
    samples: (pkg, fn, t) => [{ labels: { package: pkg, function: fn }, value: t.errors.ERR_OFFLOAD_TRAP ?? 0 }],
  },
  {
    name: 'offload_call_queue_wait_seconds',
    help: 'Time from a call to the moment a worker thread started it.',
    type: 'histogram',
    samples: (pkg, fn, t) => histogramSamples('offload_call_queue_wait_seconds', { package: pkg, function: fn }, t.queueWait),
  },
  {
    name: 'offload_call_run_seconds',
    help: 'Time a worker thread spent running a call, measured inside the thread.',
    type: 'histogram',
    samples: (pkg, fn, t) => histogramSamples('offload_call_run_seconds', { package: pkg, function: fn }, t.run),
  },
];

function scrapedMetric(family: Family, packages: readonly CountedPackage[]): Metric {
  const header = { name: family.name, help: family.help, type: family.type, aggregator: 'sum' as const };
  const metric = {
    ...header,
    get: async () => ({
      ...header,
      values: packages.flatMap((pkg) => Object.entries(pkg.functionTotals()).flatMap(([fn, totals]) => family.samples(pkg.name, fn, totals))),
    }),
    // The numbers belong to the runtime; there is nothing here to reset.
    reset: () => undefined,
  };
  // The registry needs only the fields above; its type names prom-client's own classes.
  return metric as unknown as Metric;
}

function histogramSamples(name: string, labels: Labels, counts: HistogramCounts): Sample[] {
  return [
    ...counts.buckets.map((bucket) => ({
      metricName: `${name}_bucket`,
      labels: { ...labels, le: bucket.le === Infinity ? '+Inf' : bucket.le / 1000 },
      value: bucket.count,
    })),
    { metricName: `${name}_sum`, labels, value: counts.sumMs / 1000 },
    { metricName: `${name}_count`, labels, value: counts.count },
  ];
}
