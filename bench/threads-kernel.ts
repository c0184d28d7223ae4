// One Node's half of bench/threads.ts: the rayon fixture (built with `offload build --threads`)
// loaded with 1 and with all-cores rayon threads, timed round-robin in one run. Prints one JSON
// line, so the parent can run this file under each Node it compares.
//   node --import tsx bench/threads-kernel.ts
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../src/build/build.js';
import { silentReporter } from '../src/build/progress.js';
import { load } from '../src/runtime/index.js';
import { compare, type Stats } from './lib/measure.js';

interface Kernel {
  par_mix(n: number, rounds: number): number;
  seq_mix(n: number, rounds: number): number;
}

export interface ThreadsKernelResult {
  node: string;
  cores: number;
  lanes: number;
  rounds: number;
  byThreads: Record<string, Stats>;
}

// ~0.3 s of work per call on one core here: long enough that handing work to rayon is noise.
const LANES = 20_000;
const ROUNDS = 2_000;

const crate = fileURLToPath(new URL('../test/fixtures/threads-rayon', import.meta.url));
const { pkgDir } = await buildPackage(crate, { threads: true, targetDir: join(homedir(), '.cache', 'offload', 'threads-target'), reporter: silentReporter });
const cores = availableParallelism();
const threadCounts = [...new Set([1, cores])];
const apis = await Promise.all(threadCounts.map((helpers) => load<Kernel>(pkgDir, { threadsPerInstance: helpers })));
try {
  const expected = await apis[0]!.seq_mix(LANES, ROUNDS);
  for (const api of apis) {
    // A wrong sum would make the timing meaningless: every thread count must agree with the loop.
    const got = await api.par_mix(LANES, ROUNDS);
    if (Math.abs(got - expected) > 1e-6 * Math.abs(expected)) throw new Error(`par_mix gave ${got}, seq_mix ${expected}`);
  }
  const byThreads = await compare(
    Object.fromEntries(threadCounts.map((n, i) => [String(n), () => apis[i]!.par_mix(LANES, ROUNDS)])),
    { warmup: 1, minRounds: 15, minTimeMs: 0 },
  );
  const result: ThreadsKernelResult = { node: process.version, cores, lanes: LANES, rounds: ROUNDS, byThreads };
  console.log(JSON.stringify(result));
} finally {
  await Promise.all(apis.map((api) => api.$close()));
}
