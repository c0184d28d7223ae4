// The call-path benchmark (bench/callpath.ts) run many times, each in a fresh process, with
// every goal tallied: how often it was met, and the spread of its ratio. One interleaved run
// is what the issue asks for, but on this two-core VM two of the goals move with where the
// kernel places the threads (docs/callpath.md), so one run alone says little about the next.
//   npm run bench:callpath -- [--runs 20]
// Writes bench/callpath-runs.json, which `npm run bench` (or `-- --report-only`) adds to docs/benchmarks.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TRIVIAL_TASK } from './callpath.js';
import type { GoalTally, RepeatedRuns, WorkloadResult } from './lib/types.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);

const script = fileURLToPath(new URL('./callpath.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
/** Facts worth seeing across runs beside the goals. */
const FACTS = [
  'trivial call, each pool alone: offload pool / Piscina',
  'offload pool trivial batches (interleaved) with < 0.1 main-thread context switches a call: count, median',
  'calls per second, 1000 in flight: offload pool / Piscina / tinypool',
];

interface RunSummary {
  goals: Record<string, { ratio: number; target: string; met: boolean }>;
  /** The trivial call's medians in µs: offload pool and Piscina, interleaved. */
  trivialUs: { pool: number; piscina: number };
  facts: Record<string, string | number>;
}

const summaries: RunSummary[] = [];
for (let run = 1; run <= runs; run++) {
  // A fresh process per run: no JIT state, heap or thread placement carried over.
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) throw new Error(`run ${run} failed (exit ${child.status}):\n${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as WorkloadResult;
  const trivial = (impl: string): number => (result.rows.find((r) => r.task === TRIVIAL_TASK && r.impl === impl)?.medianMs ?? NaN) * 1000;
  const summary: RunSummary = {
    goals: Object.fromEntries(result.goals.map((g) => [g.name, { ratio: g.ratio, target: g.target, met: g.met }])),
    trivialUs: { pool: trivial('offload pool'), piscina: trivial('piscina') },
    facts: Object.fromEntries(FACTS.map((f) => [f, result.facts?.[f] ?? '-'])),
  };
  summaries.push(summary);
  const missed = result.goals.filter((g) => !g.met).map((g) => g.name);
  console.log(`run ${run}/${runs}: trivial ${summary.trivialUs.pool.toFixed(1)} µs vs Piscina ${summary.trivialUs.piscina.toFixed(1)} µs; missed: ${missed.length === 0 ? 'none' : missed.join('; ')}`);
}

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
const names = Object.keys(summaries[0]!.goals);
console.log(`\n${runs} runs of bench/callpath.ts, each in a fresh process`);
console.log(`${'goal'.padEnd(58)} ${'met'.padStart(7)}  ${'min'.padStart(7)} ${'median'.padStart(7)} ${'max'.padStart(7)}  target`);
const tally: GoalTally[] = names.map((name) => {
  const ratios = sorted(summaries.map((s) => s.goals[name]!.ratio));
  const met = summaries.filter((s) => s.goals[name]!.met).length;
  const fmt = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1)).padStart(7);
  const target = summaries[0]!.goals[name]!.target;
  console.log(`${name.padEnd(58)} ${`${met}/${runs}`.padStart(7)}  ${fmt(ratios[0]!)} ${fmt(ratios[ratios.length >> 1]!)} ${fmt(ratios.at(-1)!)}  ${target}`);
  return { name, target, met, min: ratios[0]!, median: ratios[ratios.length >> 1]!, max: ratios.at(-1)! };
});
const issueGoals = names.filter((n) => !n.startsWith('auto'));
const allMet = summaries.filter((s) => issueGoals.every((n) => s.goals[n]!.met)).length;
console.log(`runs with every goal of issue 15 met (the auto rows are this project's own): ${allMet}/${runs}`);

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const repeated: RepeatedRuns & { each: RunSummary[] } = {
  workload: 'callpath',
  command: `npm run bench:callpath -- --runs ${runs}`,
  date: new Date().toISOString(),
  node: process.version,
  commit,
  runs,
  tally,
  allMet,
  allMetOf: 'issue 15 (not the auto rows)',
  each: summaries,
};
writeFileSync(new URL('./callpath-runs.json', import.meta.url), `${JSON.stringify(repeated, null, 2)}\n`);
console.log('wrote bench/callpath-runs.json; `npm run bench -- --report-only` puts the tally into docs/benchmarks.md');
