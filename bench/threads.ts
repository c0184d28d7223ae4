// Scaling of a compute-bound rayon kernel through offload: the same package (built with
// `offload build --threads`) loaded with 1 and with 2 rayon threads per instance, timed in
// interleaved rounds so machine noise hits both alike. Prints the medians and their ratio.
//   node --import tsx bench/threads.ts [rounds]
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../src/build/build.js';
import { silentReporter } from '../src/build/progress.js';
import { load } from '../src/runtime/index.js';

interface Kernel {
  par_mix(n: number, rounds: number): number;
  seq_mix(n: number, rounds: number): number;
}

const samples = Number(process.argv[2] ?? 15);
// ~0.3 s of work per call on one core here: long enough that starting rayon's work is noise.
const LANES = 20_000;
const ROUNDS = 2_000;

const crate = fileURLToPath(new URL('../test/fixtures/threads-rayon', import.meta.url));
const { pkgDir } = await buildPackage(crate, { threads: true, targetDir: join(homedir(), '.cache', 'offload', 'threads-target'), reporter: silentReporter });
const cores = availableParallelism();
const variants = [1, cores].map((helpers) => ({ helpers, times: [] as number[] }));
const apis = await Promise.all(variants.map((v) => load<Kernel>(pkgDir, { threadsPerInstance: v.helpers })));

const expected = await apis[0]!.seq_mix(LANES, ROUNDS);
for (const api of apis) {
  // Warm-up, and a check that every variant computes the same sum as the sequential loop.
  const got = await api.par_mix(LANES, ROUNDS);
  if (Math.abs(got - expected) > 1e-6 * Math.abs(expected)) throw new Error(`par_mix gave ${got}, seq_mix ${expected}`);
}
for (let i = 0; i < samples; i++) {
  for (const [index, variant] of variants.entries()) {
    const started = performance.now();
    await apis[index]!.par_mix(LANES, ROUNDS);
    variant.times.push(performance.now() - started);
  }
}
await Promise.all(apis.map((api) => api.$close()));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`rayon par_mix(${LANES}, ${ROUNDS}), wasm simd128 + threads, Node ${process.version}, ${cores} cores, ${samples} interleaved samples`);
for (const variant of variants) console.log(`  ${variant.helpers} rayon thread(s): median ${median(variant.times).toFixed(1)} ms`);
const [one, all] = variants;
console.log(`  speed-up ${cores} threads vs 1: ${(median(one!.times) / median(all!.times)).toFixed(2)}×`);
