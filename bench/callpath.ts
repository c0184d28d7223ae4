// The call path at the physical limit: what offload's pool, inline and auto modes cost per
// call against the glue called directly, Piscina and tinypool running the same glue, and the
// hardware's floor (a shared-memory round trip), one interleaved run on this machine. Part of
// `npm run bench` (the "callpath" workload, charted); bench/runtime.ts prints it too. Alone:
//   node --import tsx bench/callpath.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import { buildImageWasm } from '../examples/image/build.js';
import { load, type Offloaded } from '../src/runtime/index.js';
import { compilePackage, resolvePackage } from '../src/runtime/module-cache.js';
import { buildFixture } from '../test/helpers/build-fixture.js';
import { compare, measure, stats, type Stats } from './lib/measure.js';
import type { BenchRow, Goal, WorkloadResult } from './lib/types.js';
import { formatWorkload } from './report/table.js';
import { bursts, mainThreadCpu, mainThreadSwitches, sharedMemoryRoundTripMs } from './runtime-limits.js';

type Basic = typeof import('../test/fixtures/runtime-basic/pkg/runtime_basic.js');
type Image = typeof import('../examples/image/pkg/image_kernels.js');

const IN_FLIGHT = 1000;
/** The row of the trivial-call goal (bench/callpath-runs.ts reads it from each run's result). */
export const TRIVIAL_TASK = 'trivial call (noop), sequential';
/** Sequential trivial calls are timed in batches: one call is below the timer's useful resolution. */
const BATCH = 200;

const cacheDir = new URL('./.cache/', import.meta.url);

/** A worker file for Piscina or tinypool that runs the same glue; only where the pool puts the user's workerData differs. */
export function writeGlueWorker(file: string, userData: string): URL {
  mkdirSync(cacheDir, { recursive: true });
  const url = new URL(file, cacheDir);
  writeFileSync(url, [
    "import { workerData } from 'node:worker_threads';",
    `const { glueUrl, module } = ${userData};`,
    'const glue = await import(glueUrl);',
    'glue.initSync({ module });',
    'export default function run(rounds) { return rounds === 0 ? glue.noop() : glue.work(rounds); }',
  ].join('\n'));
  return url;
}

/** A bare postMessage ping-pong with an idle worker: what any message-based pool pays at least. */
async function postMessageRoundTripMs(): Promise<number> {
  const echo = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));", { eval: true });
  const ping = (): Promise<unknown> => new Promise((resolve) => { echo.once('message', resolve); echo.postMessage(0); });
  const stats = await measure(ping, { warmup: 200, minRounds: 3000, maxRounds: 3000, minTimeMs: 0 });
  await echo.terminate();
  return stats.medianMs;
}

/** The pool's interleaved trivial batches split by whether the main thread context-switched in them. */
function switchFacts(batches: { usPerCall: number; switchesPerCall: number }[]): Record<string, string> {
  if (batches.length === 0) return {};
  const spinning = batches.filter((b) => b.switchesPerCall < 0.1);
  const switching = batches.filter((b) => b.switchesPerCall >= 0.1);
  const median = (values: number[]): string => (values.length === 0 ? '-' : `${stats(values).medianMs.toFixed(1)} µs`);
  return {
    'offload pool trivial batches (interleaved) with < 0.1 main-thread context switches a call: count, median': `${spinning.length} of ${batches.length}, ${median(spinning.map((b) => b.usPerCall))}`,
    'the others (the thread slept or shared a core): count, median, switches a call': `${switching.length}, ${median(switching.map((b) => b.usPerCall))}, ${switching.length === 0 ? '-' : stats(switching.map((b) => b.switchesPerCall)).medianMs.toFixed(2)}`,
  };
}

const perCall = (s: Stats, n: number): Stats => ({ medianMs: s.medianMs / n, p10Ms: s.p10Ms / n, p90Ms: s.p90Ms / n, samples: s.samples });
const us = (ms: number): string => `${(ms * 1000).toFixed(2)} µs`;

export async function benchCallPath(): Promise<WorkloadResult> {
  const fixture = await buildFixture('runtime-basic');
  const compiled = await compilePackage(resolvePackage(fixture.gluePath), undefined);
  const glueUrl = pathToFileURL(fixture.gluePath).href;
  const direct = (await import(glueUrl)) as Basic;
  direct.initSync({ module: compiled.module });
  const workerData = { glueUrl, module: compiled.module };
  const piscina = new Piscina({ filename: writeGlueWorker('piscina-worker.mjs', 'workerData').href, minThreads: 1, maxThreads: 1, workerData });
  const tinypool = new Tinypool({ filename: writeGlueWorker('tinypool-worker.mjs', 'workerData[1]').href, minThreads: 1, maxThreads: 1, workerData }); // [tinypool's own, the user's]
  const inline = await load<Basic>(fixture.pkgDir, { mode: 'inline' });
  const pool = await load<Basic>(fixture.pkgDir, { threads: 1 });
  const auto = await load<Basic>(fixture.pkgDir, { mode: 'auto', threads: 1 });

  // A kernel of about 1 ms on this machine, to show auto keeps longer calls off the main thread.
  direct.work(1_000_000);
  const probeStart = performance.now();
  direct.work(10_000_000);
  const oneMsRounds = Math.round(10_000_000 / (performance.now() - probeStart));

  const run = (api: Offloaded<Basic>, rounds: number): Promise<unknown> => (rounds === 0 ? api.noop() : api.work(rounds));
  const contenders: Record<string, (rounds: number) => unknown> = {
    'wasm kernel (glue called directly)': (r) => (r === 0 ? direct.noop() : direct.work(r)),
    'offload inline': (r) => run(inline, r),
    'offload auto': (r) => run(auto, r),
    'offload pool': (r) => run(pool, r),
    piscina: (r) => piscina.run(r),
    tinypool: (r) => tinypool.run(r),
  };
  // JIT tiers and estimates settle over thousands of calls; every contender gets the same.
  for (let i = 0; i < 20; i++) for (const call of Object.values(contenders)) for (let k = 0; k < 500; k++) await call(0);
  for (let i = 0; i < 10; i++) for (const call of Object.values(contenders)) await call(oneMsRounds);

  const rows: BenchRow[] = [];
  // The pool's trivial batches, each with the main thread's context switches per call: the
  // mark of a batch where the two threads did not each spin on a core of their own.
  const poolBatches: { usPerCall: number; switchesPerCall: number }[] = [];
  const sequential = async (task: string, rounds: number, batch: number, samples: number): Promise<Record<string, Stats>> => {
    const impls = Object.fromEntries(Object.entries(contenders).map(([name, call]) => [name, async () => {
      const watched = rounds === 0 && name === 'offload pool';
      const switchesBefore = watched ? mainThreadSwitches() : undefined;
      const started = performance.now();
      for (let i = 0; i < batch; i++) await call(rounds);
      const switchesAfter = watched ? mainThreadSwitches() : undefined;
      if (switchesBefore !== undefined && switchesAfter !== undefined) {
        poolBatches.push({ usPerCall: ((performance.now() - started) * 1000) / batch, switchesPerCall: (switchesAfter - switchesBefore) / batch });
      }
    }]));
    const measured = await compare(impls, { warmup: 2, minRounds: samples, maxRounds: samples, minTimeMs: 0 });
    const byName = Object.fromEntries(Object.entries(measured).map(([name, s]) => [name, perCall(s, batch)]));
    for (const [impl, s] of Object.entries(byName)) rows.push({ task, impl, ...s, viaOffload: impl.startsWith('offload') });
    return byName;
  };
  const trivial = await sequential(TRIVIAL_TASK, 0, BATCH, 40);
  const kernel = await sequential('kernel of ~1 ms, sequential', oneMsRounds, 1, 60);
  // Each pool on its own: its batches back to back, the other pools' threads idle. On a machine
  // with two cores, the interleaved rows above are a contest for the core the main thread does
  // not use: whichever pool's worker the kernel left on it is fast (docs/callpath.md).
  const aloneTask = 'trivial call (noop), sequential, each pool alone';
  const alone: Record<string, Stats> = {};
  for (const name of ['offload pool', 'piscina', 'tinypool']) {
    const call = contenders[name]!;
    alone[name] = perCall(await measure(async () => {
      for (let i = 0; i < BATCH; i++) await call(0);
    }, { warmup: 2, minRounds: 40, maxRounds: 40, minTimeMs: 0 }), BATCH);
    rows.push({ task: aloneTask, impl: name, ...alone[name]!, viaOffload: name.startsWith('offload') });
  }

  const spinFloorMs = await sharedMemoryRoundTripMs(true);
  const sleepFloorMs = await sharedMemoryRoundTripMs(false);
  const postMessageMs = await postMessageRoundTripMs();

  const burstTask = `${IN_FLIGHT} trivial calls in flight (time per call)`;
  // Eight bursts a round: 8000 of offload's calls take 15-40 ms, several of the ticks at which
  // the kernel updates a thread's CPU time (mainThreadCpu); one burst is shorter than a tick.
  const burst = await bursts({ 'offload pool': () => pool.noop(), piscina: () => piscina.run(0), tinypool: () => tinypool.run(0) }, IN_FLIGHT, 10, 8);
  for (const [impl, r] of Object.entries(burst)) rows.push({ task: burstTask, impl, ...r.perCall, viaOffload: impl.startsWith('offload') });

  // An 8 MB RGBA photo in, 2 MB grey out: the image example's grayscale.
  const imagePkg = await buildImageWasm();
  const imageInline = await load<Image>(imagePkg, { mode: 'inline' });
  const imagePool = await load<Image>(imagePkg, { threads: 1 });
  const rgba = await imageInline.decode(readFileSync(new URL('../examples/image/data/retina.jpg', import.meta.url)));
  const side = Math.sqrt(rgba.length / 4);
  const imageTask = `grayscale ${side}x${side} RGBA: ${(rgba.length / 2 ** 20).toFixed(1)} MiB in, ${(rgba.length / 4 / 2 ** 20).toFixed(1)} MiB out`;
  // The same bytes in a SharedArrayBuffer cross by reference: the pool's call without the copy.
  const sharedRgba = new Uint8Array(new SharedArrayBuffer(rgba.length));
  sharedRgba.set(rgba);
  const big = await compare(
    {
      'offload inline': () => imageInline.grayscale(rgba, side, side),
      'offload pool': () => imagePool.grayscale(rgba, side, side),
      'offload pool, SharedArrayBuffer argument': () => imagePool.grayscale(sharedRgba, side, side),
    },
    { warmup: 5, minRounds: 40, maxRounds: 40, minTimeMs: 0 },
  );
  for (const [impl, s] of Object.entries(big)) rows.push({ task: imageTask, impl, ...s, viaOffload: true });
  await Promise.all([imageInline.$close(), imagePool.$close()]);

  const autoMetrics = auto.$metrics();
  await Promise.all([inline.$close(), pool.$close(), auto.$close(), piscina.destroy(), tinypool.destroy()]);

  const t = (name: string): number => trivial[name]!.medianMs;
  const k = (name: string): number => kernel[name]!.medianMs;
  const poolBurst = burst['offload pool']!;
  const goal = (name: string, ratio: number, target: string, met: boolean, note?: string): Goal => ({ name, ratio, target, met, ...(note ? { note } : {}) });
  const goals: Goal[] = [
    goal('trivial call: offload pool / Piscina', t('offload pool') / t('piscina'), '<= 0.1', t('offload pool') / t('piscina') <= 0.1),
    goal('inline overhead over the glue, µs per call', (t('offload inline') - t('wasm kernel (glue called directly)')) * 1000, '<= 1', (t('offload inline') - t('wasm kernel (glue called directly)')) * 1000 <= 1),
    goal(`${IN_FLIGHT} in flight: offload pool / Piscina calls per second`, poolBurst.callsPerSecond / burst.piscina!.callsPerSecond, '>= 5', poolBurst.callsPerSecond / burst.piscina!.callsPerSecond >= 5),
    goal('main-thread CPU µs per pooled call (1000 in flight)', poolBurst.mainThreadUsPerCall, '<= 3', poolBurst.mainThreadUsPerCall <= 3),
    goal('8 MB image: offload pool / inline', big['offload pool']!.medianMs / big['offload inline']!.medianMs, '<= 1.2', big['offload pool']!.medianMs / big['offload inline']!.medianMs <= 1.2,
      'the pool copies the 8 MiB argument once into the thread\'s shared bulk area (the one copy more than inline); the glue then copies it into wasm memory as inline does'),
    goal('auto / the better of inline and pool: trivial call', t('offload auto') / Math.min(t('offload inline'), t('offload pool')), '<= 1.1', t('offload auto') / Math.min(t('offload inline'), t('offload pool')) <= 1.1),
    goal('auto / the better of inline and pool: ~1 ms kernel', k('offload auto') / Math.min(k('offload inline'), k('offload pool')), '<= 1.1', k('offload auto') / Math.min(k('offload inline'), k('offload pool')) <= 1.1),
  ];
  return {
    workload: 'callpath',
    title: 'The call path: offload pool, inline and auto against Piscina, tinypool and the glue called directly',
    inputs: [
      'test/fixtures/runtime-basic: noop() and work(rounds), the same glue and compiled module in every pool',
      `examples/image/data/retina.jpg decoded to RGBA (${(rgba.length / 2 ** 20).toFixed(1)} MiB) for the big-buffer row`,
      'one thread per pool; sequential rows are medians of batches, round-robin across contenders',
    ],
    rows,
    goals,
    facts: {
      'floor: shared-memory round trip, worker spinning': us(spinFloorMs),
      'floor: shared-memory round trip, worker asleep in Atomics.wait': us(sleepFloorMs),
      'bare postMessage round trip': us(postMessageMs),
      'trivial call, offload pool / spinning floor': (t('offload pool') / spinFloorMs).toFixed(1),
      'trivial call, each pool alone: offload pool / Piscina': (alone['offload pool']!.medianMs / alone.piscina!.medianMs).toFixed(3),
      'trivial call, each pool alone: offload pool / tinypool': (alone['offload pool']!.medianMs / alone.tinypool!.medianMs).toFixed(3),
      '8 MB image, pool with a SharedArrayBuffer argument / inline': (big['offload pool, SharedArrayBuffer argument']!.medianMs / big['offload inline']!.medianMs).toFixed(2),
      ...switchFacts(poolBatches),
      'trivial call, offload pool / tinypool': (t('offload pool') / t('tinypool')).toFixed(3),
      'main-thread CPU time measured with': mainThreadCpu.source,
      'main-thread CPU µs per call, 1000 in flight: offload pool / Piscina / tinypool': [poolBurst, burst.piscina!, burst.tinypool!].map((b) => b.mainThreadUsPerCall.toFixed(2)).join(' / '),
      'calls per second, 1000 in flight: offload pool / Piscina / tinypool': [poolBurst, burst.piscina!, burst.tinypool!].map((b) => Math.round(b.callsPerSecond)).join(' / '),
      "mode 'auto' placement after the run": JSON.stringify(autoMetrics.placement),
      "mode 'auto' measured round trip": autoMetrics.roundTripMs === undefined ? 'none' : us(autoMetrics.roundTripMs),
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(fileURLToPath(import.meta.url))) {
  const result = await benchCallPath();
  // --json: the whole result on stdout, for bench/callpath-runs.ts to tally.
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : formatWorkload(result));
}
