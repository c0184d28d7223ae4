import type { BenchRow, Goal, WorkloadResult } from '../lib/types.js';

function formatMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

/** Rows grouped by task, each with its ratio to the fastest implementation of that task. */
export function rowsByTask(rows: BenchRow[]): Map<string, Array<BenchRow & { vsFastest: number }>> {
  const tasks = new Map<string, BenchRow[]>();
  for (const row of rows) tasks.set(row.task, [...(tasks.get(row.task) ?? []), row]);
  const out = new Map<string, Array<BenchRow & { vsFastest: number }>>();
  for (const [task, list] of tasks) {
    const fastest = Math.min(...list.map((r) => r.medianMs));
    out.set(
      task,
      [...list].sort((a, b) => a.medianMs - b.medianMs).map((r) => ({ ...r, vsFastest: r.medianMs / fastest })),
    );
  }
  return out;
}

export interface ItemSummary {
  impl: string;
  /** Geometric mean over the items of (this implementation's time / the fastest's). */
  geomeanVsFastest: number;
  worstVsFastest: number;
  items: number;
}

/** Many per-item rows (one per document, say) boiled down to one line per implementation. */
export function summarisePerItem(rows: BenchRow[]): ItemSummary[] {
  const byImpl = new Map<string, number[]>();
  for (const list of rowsByTask(rows.filter((r) => r.perItem)).values()) {
    for (const row of list) byImpl.set(row.impl, [...(byImpl.get(row.impl) ?? []), row.vsFastest]);
  }
  return [...byImpl]
    .map(([impl, ratios]) => ({
      impl,
      geomeanVsFastest: Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length),
      worstVsFastest: Math.max(...ratios),
      items: ratios.length,
    }))
    .sort((a, b) => a.geomeanVsFastest - b.geomeanVsFastest);
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function goalMark(goal: Goal): string {
  return goal.met ? 'met' : 'MISSED';
}

/** The side-by-side table printed on the terminal. */
export function formatWorkload(result: WorkloadResult): string {
  const lines = [`\n## ${result.title}`];
  for (const [task, rows] of rowsByTask(result.rows.filter((r) => !r.perItem))) {
    lines.push(`\n${task}`);
    const cells = [['implementation', 'median', 'p10–p90', 'vs fastest', 'samples']];
    for (const row of rows) {
      cells.push([
        `${row.impl}${row.viaOffload ? ' *' : ''}`,
        formatMs(row.medianMs),
        `${formatMs(row.p10Ms)}–${formatMs(row.p90Ms)}`,
        `${row.vsFastest.toFixed(2)}×`,
        String(row.samples),
      ]);
    }
    lines.push(pad(cells).replace(/^/gm, '  '));
  }
  const summary = summarisePerItem(result.rows);
  if (summary.length > 0) {
    lines.push(`\nper item (${summary[0]!.items} items): geometric mean and worst of × fastest`);
    const cells = [['implementation', 'geomean', 'worst']];
    for (const s of summary) cells.push([s.impl, `${s.geomeanVsFastest.toFixed(2)}×`, `${s.worstVsFastest.toFixed(2)}×`]);
    lines.push(pad(cells).replace(/^/gm, '  '));
  }
  if (result.goals.length > 0) {
    lines.push('\ngoals');
    const cells = [['goal', 'ratio', 'target', '']];
    for (const goal of result.goals) cells.push([goal.name, goal.ratio.toFixed(2), goal.target, goalMark(goal)]);
    lines.push(pad(cells).replace(/^/gm, '  '));
  }
  lines.push('  (* = the call path users take: through offload)');
  for (const [fact, value] of Object.entries(result.facts ?? {})) lines.push(`  ${fact}: ${value}`);
  return lines.join('\n');
}

export { formatMs };
