// Prometheus metrics for one server. Each server has its own registry, so two servers in one
// process (tests, or an app embedding offload) never mix their numbers. HTTP request counts and
// latencies are recorded as responses leave; everything about calls (counts, failures, queue
// wait, run time) and the pool gauges are the runtime's own numbers, read when scraped, so they
// are never stale and never a second count (see function-metrics.ts).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerFunctionMetrics } from './function-metrics.js';
import type { HostedPackage } from './hosted-package.js';

export interface ServerMetrics {
  registry: Registry;
  observeRequest(pkg: string, fn: string, status: number, seconds: number): void;
}

export function createMetrics(packages: readonly HostedPackage[]): ServerMetrics {
  const registry = new Registry();
  // Includes nodejs_eventloop_lag_p99_seconds: the number that shows whether Rust work stays
  // off the event loop.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

  const requests = new Counter({
    name: 'offload_http_requests_total',
    help: 'Function calls received over HTTP, by package, function and status code.',
    labelNames: ['package', 'function', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'offload_http_request_duration_seconds',
    help: 'Time from request to response for function calls, queueing included.',
    labelNames: ['package', 'function'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, read: (m: NonNullable<ReturnType<HostedPackage['metrics']>>) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['package'] as const,
      registers: [registry],
      collect() {
        for (const pkg of packages) {
          const snapshot = pkg.metrics();
          if (snapshot) this.set({ package: pkg.name }, read(snapshot));
        }
      },
    });
  };
  poolGauge('offload_queue_depth', 'Calls accepted but waiting for a worker thread.', (m) => m.queueDepth);
  poolGauge('offload_running_calls', 'Calls running on worker threads now.', (m) => m.running);
  poolGauge('offload_threads', 'Worker threads alive.', (m) => m.threads);
  poolGauge('offload_utilization_ratio', 'Share of worker-thread time spent running calls.', (m) => m.utilization);
  new Gauge({
    name: 'offload_package_generation',
    help: 'Builds loaded for the package since start (grows with each --watch reload).',
    labelNames: ['package'] as const,
    registers: [registry],
    collect() {
      for (const pkg of packages) this.set({ package: pkg.name }, pkg.generation);
    },
  });

  // An info metric (value 1, facts in labels), as Prometheus names build facts: which of the
  // package's modules runs here (`offload build --relaxed-simd` ships two; load() picks one).
  new Gauge({
    name: 'offload_package_info',
    help: 'Always 1; simd_variant says which module of the package runs (relaxed-simd, simd128 or none).',
    labelNames: ['package', 'simd_variant'] as const,
    registers: [registry],
    collect() {
      this.reset(); // a --watch reload may pick another variant: keep one series per package
      for (const pkg of packages) {
        const variant = pkg.metrics()?.simdVariant;
        if (variant) this.set({ package: pkg.name, simd_variant: variant }, 1);
      }
    },
  });

  registerFunctionMetrics(registry, packages);

  return {
    registry,
    observeRequest(pkg, fn, status, seconds) {
      requests.inc({ package: pkg, function: fn, status: String(status) });
      latency.observe({ package: pkg, function: fn }, seconds);
    },
  };
}
