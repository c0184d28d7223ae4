import type { machineInfo } from '../lib/machine.js';
import type { RepeatedRuns, WorkloadResult } from '../lib/types.js';
import { formatMs, goalMark, rowsByTask, summarisePerItem } from './table.js';

export interface BenchReport {
  date: string;
  machine: ReturnType<typeof machineInfo>;
  command: string;
  workloads: WorkloadResult[];
}

function escape(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** docs/benchmarks.md: the charts first (people look before they read), then every number. */
export function benchmarksMarkdown(report: BenchReport, chartPath: (workload: string) => string, repeated: RepeatedRuns[] = []): string {
  const m = report.machine;
  const out = [
    '# Benchmarks',
    '',
    (report.workloads.some((w) => w.measured && w.measured !== report.workloads[0]?.measured)
      ? `Last written by \`${report.command}\` on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB (${m.platform}); each section says when and on which Node it was measured. `
      : `Measured ${report.date} with \`${report.command}\` on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}). `) +
      'Implementations are timed round-robin in one run, so the ratios hold even ' +
      'on a noisy machine; absolute times vary between runs. Raw numbers: [bench/results.json](../bench/results.json).',
    '',
    'Rows marked **(offload)** are the call path users take, through offload; "wasm kernel" is the same Rust ' +
      "called directly on the main thread (offload's inline mode), and \"native Rust\" is the same crate compiled " +
      'for the host: the physical limit for this code.',
  ];
  for (const result of report.workloads) {
    out.push('', `## ${result.title}`, '', `![${result.title}](${chartPath(result.workload)})`, '');
    if (result.measured) out.push(`Measured ${result.measured}.`, '');
    if (result.inputs.length) out.push(`Inputs: ${result.inputs.map(escape).join('; ')}.`, '');
    for (const [task, rows] of rowsByTask(result.rows.filter((r) => !r.perItem))) {
      out.push(`### ${task}`, '', '| implementation | median | p10–p90 | × fastest | samples |', '| --- | ---: | ---: | ---: | ---: |');
      for (const row of rows) {
        out.push(
          `| ${escape(row.impl)}${row.viaOffload ? ' **(offload)**' : ''} | ${formatMs(row.medianMs)} | ` +
            `${formatMs(row.p10Ms)}–${formatMs(row.p90Ms)} | ${row.vsFastest.toFixed(2)} | ${row.samples} |`,
        );
      }
      out.push('');
    }
    const summary = summarisePerItem(result.rows);
    if (summary.length) {
      out.push(
        `### Each item on its own (${summary[0]!.items} items)`,
        '',
        '| implementation | geometric mean of × fastest | worst × fastest |',
        '| --- | ---: | ---: |',
        ...summary.map((s) => `| ${escape(s.impl)} | ${s.geomeanVsFastest.toFixed(2)} | ${s.worstVsFastest.toFixed(2)} |`),
        '',
      );
    }
    if (result.goals.length) {
      out.push('### Goals', '', '| goal | ratio | target | | note |', '| --- | ---: | --- | --- | --- |');
      for (const goal of result.goals) {
        out.push(`| ${escape(goal.name)} | ${goal.ratio.toFixed(2)} | ${escape(goal.target)} | ${goalMark(goal)} | ${escape(goal.note ?? '')} |`);
      }
      out.push('');
    }
    const again = repeated.find((r) => r.workload === result.workload);
    if (again) {
      out.push(
        `### Goals over ${again.runs} runs`,
        '',
        `\`${again.command}\`, each run in a fresh process (${again.date.slice(0, 16).replace('T', ' ')} UTC, Node ${again.node}, commit ${again.commit}); ` +
          `every goal of ${again.allMetOf} met together in ${again.allMet} of ${again.runs}.`,
        '',
        '| goal | met | min | median | max | target |',
        '| --- | ---: | ---: | ---: | ---: | --- |',
        ...again.tally.map((g) => `| ${escape(g.name)} | ${g.met} of ${again.runs} | ${g.min.toFixed(2)} | ${g.median.toFixed(2)} | ${g.max.toFixed(2)} | ${escape(g.target)} |`),
        '',
      );
    }
    if (result.facts && Object.keys(result.facts).length) {
      out.push('### Facts', '');
      for (const [key, value] of Object.entries(result.facts)) out.push(`- ${escape(key)}: ${escape(String(value))}`);
      out.push('');
    }
  }
  return `${out.join('\n')}\n`;
}
