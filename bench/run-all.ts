// `npm run bench`: the real workloads, the rayon scaling kernel and the call path in one go. Prints the
// side-by-side tables and writes bench/results.json, docs/benchmarks.md and one SVG chart per workload.
//   node --import tsx bench/run-all.ts [--only image,ml,markdown,embeddings,threads,callpath]
// With --only, the other workloads keep their last results (from bench/results.json), marked with their date;
// --report-only measures nothing and rewrites docs/benchmarks.md and the charts from bench/results.json.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCallPath } from './callpath.js';
import { benchEmbeddings } from './embeddings.js';
import { benchImage } from './image.js';
import { machineInfo } from './lib/machine.js';
import type { RepeatedRuns, WorkloadResult } from './lib/types.js';
import { benchMarkdown } from './markdown.js';
import { benchMl } from './ml.js';
import { benchThreads } from './threads.js';
import { workloadChart } from './report/chart.js';
import { benchmarksMarkdown, type BenchReport } from './report/markdown.js';
import { formatWorkload } from './report/table.js';

const WORKLOADS: Record<string, () => Promise<WorkloadResult>> = {
  image: benchImage,
  ml: benchMl,
  markdown: benchMarkdown,
  embeddings: benchEmbeddings,
  threads: benchThreads,
  callpath: benchCallPath,
};

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { only: { type: 'string' }, 'report-only': { type: 'boolean' } } });
const chosen = values['report-only'] ? [] : values.only ? values.only.split(',') : Object.keys(WORKLOADS);
for (const name of chosen) if (!WORKLOADS[name]) throw new Error(`unknown workload "${name}"; known: ${Object.keys(WORKLOADS).join(', ')}`);

const last = values.only || values['report-only'] ? await lastReport() : undefined;
const report: BenchReport = values['report-only'] && last ? { ...last, workloads: [] } : {
  date: new Date().toISOString().slice(0, 10),
  machine: machineInfo(),
  command: `npm run bench${values.only ? ` -- --only ${values.only}` : ''}`,
  workloads: [],
};
console.log(`offload benchmarks on ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.machine.node}`);
const earlier = last?.workloads.map((w) => ({ ...w, measured: w.measured ?? `${last.date}, Node ${last.machine.node}` })) ?? [];
for (const name of Object.keys(WORKLOADS)) {
  if (!chosen.includes(name)) {
    const kept = earlier.find((w) => w.workload === name);
    if (kept) report.workloads.push(kept);
    continue;
  }
  console.log(`\n… running ${name}`);
  const result = { ...(await WORKLOADS[name]!()), measured: `${report.date}, Node ${report.machine.node}` };
  report.workloads.push(result);
  console.log(formatWorkload(result));
}

/** The last full or partial run's report, if there is one. */
async function lastReport(): Promise<BenchReport | undefined> {
  try {
    return JSON.parse(await readFile(join(root, 'bench', 'results.json'), 'utf8')) as BenchReport;
  } catch {
    return undefined;
  }
}

/** The call path's goals over repeated runs (npm run bench:callpath), if they were run. */
async function repeatedRuns(): Promise<RepeatedRuns[]> {
  try {
    return [JSON.parse(await readFile(join(root, 'bench', 'callpath-runs.json'), 'utf8')) as RepeatedRuns];
  } catch {
    return [];
  }
}

await mkdir(join(root, 'docs', 'charts'), { recursive: true });
for (const result of report.workloads) {
  await writeFile(join(root, 'docs', 'charts', `${result.workload}.svg`), await workloadChart(result));
}
await writeFile(join(root, 'bench', 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(root, 'docs', 'benchmarks.md'), benchmarksMarkdown(report, (w) => `charts/${w}.svg`, await repeatedRuns()));
console.log('\nwrote bench/results.json, docs/benchmarks.md and docs/charts/*.svg');
