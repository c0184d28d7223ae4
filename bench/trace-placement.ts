// Where the kernel runs the threads during a pooled call's batches: a diagnostic behind the
// "why the interleaved trivial call moves" part of docs/callpath.md. Batches of awaited
// trivial calls to offload's pool alternate with batches to Piscina (as in bench/callpath.ts);
// each pool batch is recorded with Linux's scheduler tracepoints (sched_switch), and the
// script prints, per batch, the time per call, the main thread's context switches per call,
// and what each CPU ran meanwhile: the main thread, this process's other threads, other
// processes, or nothing (idle).
//   node --import tsx bench/trace-placement.ts [--batches 20]
// Needs root and tracefs (mount -t tracefs nodev /sys/kernel/tracing).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { writeGlueWorker } from './callpath.js';
import { mainThreadSwitches } from './runtime-limits.js';
import { load } from '../src/runtime/index.js';
import { compilePackage, resolvePackage } from '../src/runtime/module-cache.js';
import { buildFixture } from '../test/helpers/build-fixture.js';

type Basic = typeof import('../test/fixtures/runtime-basic/pkg/runtime_basic.js');

const TRACING = '/sys/kernel/tracing/';
const CALLS = 2000;
const { values } = parseArgs({ options: { batches: { type: 'string', default: '20' } } });

if (!existsSync(`${TRACING}trace`)) {
  console.error(`no tracefs at ${TRACING}: as root, mount -t tracefs nodev ${TRACING}`);
  process.exit(1);
}
const tracing = (file: string, value: string): void => writeFileSync(TRACING + file, value);
tracing('tracing_on', '0');
tracing('trace', '');
tracing('buffer_size_kb', '32768');
// One clock for every CPU: each CPU's own clock (the default) drifts apart on a virtual machine.
tracing('trace_clock', 'mono');
tracing('events/sched/sched_switch/enable', '1');

/** Time each CPU spent on each thread id, from a trace's sched_switch lines (0 is idle). */
function cpuTime(trace: string): Map<number, Map<number, number>> {
  const switchLine = /\[(\d+)\][^:]*?\s([\d.]+): sched_switch: .*? prev_pid=(\d+) .*?==> next_comm=.*? next_pid=(\d+)/;
  const perCpu = new Map<number, Map<number, number>>();
  const running = new Map<number, { tid: number; since: number }>();
  let start: number | undefined;
  let end = 0;
  for (const line of trace.split('\n')) {
    const m = switchLine.exec(line);
    if (!m) continue;
    const [cpu, at, prev, next] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    start ??= at;
    end = Math.max(end, at);
    const times = perCpu.get(cpu) ?? new Map<number, number>();
    perCpu.set(cpu, times);
    // Before a CPU's first switch, its `prev` ran since the trace began (the lines are in time order).
    const since = running.get(cpu)?.since ?? start;
    times.set(prev, (times.get(prev) ?? 0) + (at - since) * 1000);
    running.set(cpu, { tid: next, since: at });
  }
  // Whoever runs when the trace stops ran from their switch to the last event seen.
  for (const [cpu, was] of running) perCpu.get(cpu)!.set(was.tid, (perCpu.get(cpu)!.get(was.tid) ?? 0) + (end - was.since) * 1000);
  return perCpu;
}

/**
 * Each CPU's time by who ran: the main thread, the busiest other thread of this process over the
 * batch (the pool's thread: the trace cannot name it, but nothing else of ours runs as much),
 * this process's other threads (V8's collector threads, Piscina's), other processes, or idle.
 */
function describe(perCpu: Map<number, Map<number, number>>, ownThreads: Set<number>): string {
  const totals = new Map<number, number>();
  for (const times of perCpu.values()) for (const [tid, ms] of times) totals.set(tid, (totals.get(tid) ?? 0) + ms);
  let busiest: number | undefined;
  for (const [tid, ms] of totals) {
    if (tid !== process.pid && ownThreads.has(tid) && (busiest === undefined || ms > totals.get(busiest)!)) busiest = tid;
  }
  const parts: string[] = [];
  for (let cpu = 0; cpu < availableParallelism(); cpu++) {
    const times = perCpu.get(cpu);
    if (!times) {
      parts.push(`cpu${cpu}: no switch (one thread throughout)`);
      continue;
    }
    let total = 0;
    const by = { main: 0, 'pool thread': 0, 'our other threads': 0, 'other processes': 0, idle: 0 };
    for (const [tid, ms] of times) {
      total += ms;
      if (tid === 0) by.idle += ms;
      else if (tid === process.pid) by.main += ms;
      else if (tid === busiest) by['pool thread'] += ms;
      else if (ownThreads.has(tid)) by['our other threads'] += ms;
      else by['other processes'] += ms;
    }
    const shares = Object.entries(by).filter(([, ms]) => ms / total >= 0.02).map(([what, ms]) => `${what} ${Math.round((100 * ms) / total)}%`);
    parts.push(`cpu${cpu}: ${shares.join(', ')}`);
  }
  return parts.join(' | ');
}

const fixture = await buildFixture('runtime-basic');
const compiled = await compilePackage(resolvePackage(fixture.gluePath), undefined);
const workerData = { glueUrl: pathToFileURL(fixture.gluePath).href, module: compiled.module };
const piscina = new Piscina({ filename: writeGlueWorker('piscina-worker.mjs', 'workerData').href, minThreads: 1, maxThreads: 1, workerData });
const pool = await load<Basic>(fixture.pkgDir, { threads: 1 });
for (let i = 0; i < 20; i++) {
  for (let k = 0; k < 500; k++) await pool.noop();
  for (let k = 0; k < 500; k++) await piscina.run(0);
}
const ownThreads = new Set(readdirSync('/proc/self/task').map(Number));

try {
  for (let batch = 0; batch < Number(values.batches); batch++) {
    for (let k = 0; k < 200; k++) await piscina.run(0);
    tracing('trace', '');
    tracing('tracing_on', '1');
    const switches = mainThreadSwitches() ?? NaN;
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) await pool.noop();
    const wallMs = performance.now() - started;
    const switchesPerCall = ((mainThreadSwitches() ?? NaN) - switches) / CALLS;
    tracing('tracing_on', '0');
    console.log(`${((wallMs * 1000) / CALLS).toFixed(1).padStart(5)} µs/call, ${switchesPerCall.toFixed(2)} main-thread switches/call | ${describe(cpuTime(readFileSync(`${TRACING}trace`, 'utf8')), ownThreads)}`);
  }
} finally {
  tracing('events/sched/sched_switch/enable', '0');
  tracing('trace', '');
  await Promise.all([pool.$close(), piscina.destroy()]);
}
