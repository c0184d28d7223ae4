// Measuring tools for the call path against its physical limits (bench/callpath.ts uses them):
// what a cross-thread round trip costs at the floor of this hardware, and bursts of calls in
// flight with the main thread's time per call.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { stats, type Stats } from './lib/measure.js';

/**
 * A round trip through shared memory with no messages: the main thread stores a sequence
 * number and notifies, the worker answers by storing it back. With `spinning` the worker
 * busy-waits (the wake-up is a cache line moving between cores); without, it sleeps in
 * Atomics.wait and the notify has to wake an OS thread. The main thread spins for the answer
 * in both, so the number is the wake-up and nothing else. Median of batches, in ms per trip.
 */
export async function sharedMemoryRoundTripMs(spinning: boolean, trips = 20_000): Promise<number> {
  const cells = new Int32Array(new SharedArrayBuffer(8)); // [0]: request, [1]: reply; -1 stops
  const source = `
    const { workerData } = require('node:worker_threads');
    const cells = new Int32Array(workerData.buffer);
    let seen = 0;
    for (;;) {
      if (!workerData.spinning) Atomics.wait(cells, 0, seen);
      const request = Atomics.load(cells, 0);
      if (request === -1) break;
      if (request !== seen) { seen = request; Atomics.store(cells, 1, request); }
    }`;
  const worker = new Worker(source, { eval: true, workerData: { buffer: cells.buffer, spinning } });
  await new Promise((resolve) => worker.once('online', resolve));
  const batches: number[] = [];
  let sequence = 0;
  const batch = trips / 20;
  for (let b = 0; b < 20; b++) {
    const started = performance.now();
    for (let i = 0; i < batch; i++) {
      sequence++;
      Atomics.store(cells, 0, sequence);
      Atomics.notify(cells, 0);
      while (Atomics.load(cells, 1) !== sequence);
    }
    batches.push((performance.now() - started) / batch);
  }
  Atomics.store(cells, 0, -1);
  Atomics.notify(cells, 0);
  await worker.terminate();
  return stats(batches.slice(2)).medianMs; // the first batches include the worker's warm-up
}

/**
 * The main thread's context switches so far (it slept, or another thread took its core), from
 * Linux's /proc; undefined elsewhere. A pooled call that goes by spinning on both sides makes
 * none; one that waits for its thread to be woken or scheduled makes one or two.
 */
export function mainThreadSwitches(): number | undefined {
  try {
    const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
    const count = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return count('voluntary_ctxt_switches') + count('nonvoluntary_ctxt_switches');
  } catch {
    return undefined;
  }
}

export interface BurstResult {
  callsPerSecond: number;
  /** Wall time per call with `inFlight` of them outstanding, over the rounds. */
  perCall: Stats;
  /** The main thread's CPU time per call, in µs (mainThreadCpuMs says from where). */
  mainThreadUsPerCall: number;
}

/**
 * The main thread's own CPU time so far, in ms: process.threadCpuUsage() (Node >= 23.9), else
 * Linux's per-thread schedstat, else the event loop's active time. The last is wall time: it
 * also counts moments the thread was runnable but another thread had its core, which on a
 * two-core machine with five pool threads is most of the difference. The first two are only
 * brought up to date at the kernel's tick and at context switches (here steps of up to 4 ms,
 * CONFIG_HZ=250, seen by reading schedstat in a loop while spinning): an interval measured
 * with them must span many ticks.
 */
export const mainThreadCpu: { source: string; ms: () => number } = (() => {
  const threadCpuUsage = (process as unknown as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (threadCpuUsage) {
    return { source: 'process.threadCpuUsage()', ms: () => { const u = threadCpuUsage.call(process); return (u.user + u.system) / 1000; } };
  }
  const schedstat = `/proc/self/task/${process.pid}/schedstat`;
  if (existsSync(schedstat)) {
    return { source: `${schedstat.replace(String(process.pid), '<pid>')} (time on a CPU)`, ms: () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6 };
  }
  return { source: 'performance.eventLoopUtilization() (wall time the loop was active)', ms: () => performance.eventLoopUtilization().active };
})();

/**
 * `inFlight` calls started at once and awaited, `burstsPerRound` times back to back, for each
 * contender in turn, `rounds` times round-robin in a rotating order (so background load on
 * this shared machine falls on all alike); medians per contender (stats() medians any numbers,
 * not only milliseconds). CPU time is the main thread's alone (mainThreadCpu), not
 * process.cpuUsage(), which sums every thread; a round of several bursts spans enough of the
 * kernel's ticks for it to be read to a few percent (a single burst of trivial calls is
 * shorter than one tick).
 */
export async function bursts(
  contenders: Record<string, () => Promise<unknown>>,
  inFlight: number,
  rounds: number,
  burstsPerRound = 1,
): Promise<Record<string, BurstResult>> {
  const seen: Record<string, { perCallMs: number[]; cpu: number[] }> = {};
  for (const name of Object.keys(contenders)) seen[name] = { perCallMs: [], cpu: [] };
  const entries = Object.entries(contenders);
  for (let round = -1; round < rounds; round++) {
    // The order rotates each round, as in compare(): each contender follows each other one as
    // often, so the garbage one leaves for the collector falls on all alike.
    for (let k = 0; k < entries.length; k++) {
      const [name, call] = entries[(round + 1 + k) % entries.length]!;
      const cpuBefore = mainThreadCpu.ms();
      const started = performance.now();
      for (let burst = 0; burst < burstsPerRound; burst++) await Promise.all(Array.from({ length: inFlight }, call));
      const elapsedMs = performance.now() - started;
      const active = mainThreadCpu.ms() - cpuBefore;
      if (round < 0) continue; // warm-up
      const calls = inFlight * burstsPerRound;
      seen[name]!.perCallMs.push(elapsedMs / calls);
      seen[name]!.cpu.push((active * 1000) / calls);
    }
  }
  return Object.fromEntries(
    Object.entries(seen).map(([name, s]) => {
      const perCall = stats(s.perCallMs);
      return [name, { callsPerSecond: 1000 / perCall.medianMs, perCall, mainThreadUsPerCall: stats(s.cpu).medianMs }];
    }),
  );
}
