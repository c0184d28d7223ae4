// Scaling of a compute-bound rayon kernel through offload (issue 13's goal: >= 1.8x on 2
// cores), on this Node and on Node 24: bench/threads-kernel.ts runs under each and the rows
// land side by side. Part of `npm run bench`; alone:
//   node --import tsx bench/threads.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ThreadsKernelResult } from './threads-kernel.js';
import type { BenchRow, Goal, WorkloadResult } from './lib/types.js';
import { formatWorkload } from './report/table.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const kernelScript = fileURLToPath(new URL('./threads-kernel.ts', import.meta.url));
const SPEED_UP_GOAL = 1.8;

/** This process's Node, and Node 24 from offload's cache (scripts/node24.sh installs it once). */
function nodeBinaries(): string[] {
  const node24Dir = execFileSync('bash', [path.join(root, 'scripts', 'node24.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const node24 = path.join(node24Dir, 'node');
  return process.versions.node.startsWith('24.') ? [process.execPath] : [process.execPath, node24];
}

function runKernel(node: string): ThreadsKernelResult {
  const out = execFileSync(node, ['--import', 'tsx', kernelScript], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = out.trim().split('\n').at(-1)!;
  return JSON.parse(last) as ThreadsKernelResult;
}

export async function benchThreads(): Promise<WorkloadResult> {
  const rows: BenchRow[] = [];
  const goals: Goal[] = [];
  let task = '';
  for (const node of nodeBinaries()) {
    const result = runKernel(node);
    task = `rayon par_mix(${result.lanes}, ${result.rounds}), ${result.cores} cores`;
    for (const [threads, stats] of Object.entries(result.byThreads)) {
      rows.push({ task, impl: `offload, simd128, ${threads} rayon thread(s), Node ${result.node}`, ...stats, viaOffload: true });
    }
    const one = result.byThreads['1']!;
    const all = result.byThreads[String(result.cores)];
    if (all && result.cores > 1) {
      const ratio = one.medianMs / all.medianMs;
      goals.push({ name: `speed-up ${result.cores} threads / 1 (Node ${result.node})`, ratio, target: `>= ${SPEED_UP_GOAL}`, met: ratio >= SPEED_UP_GOAL });
    }
  }
  return {
    workload: 'threads',
    title: 'Parallel Rust: a rayon kernel through offload build --threads and load()',
    inputs: ['test/fixtures/threads-rayon: a sqrt chain per lane, summed with par_iter (same sum as the sequential loop, checked first)'],
    rows,
    goals,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(fileURLToPath(import.meta.url))) {
  console.log(formatWorkload(await benchThreads()));
}
