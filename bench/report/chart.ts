import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { WorkloadResult } from '../lib/types.js';
import { formatMs } from './table.js';

const KINDS = ['offload (Rust → wasm)', 'native', 'other wasm', 'JavaScript'] as const;

/** Colours by what kind of code ran, from the implementation names the benches use. */
function kindOf(impl: string): (typeof KINDS)[number] {
  if (/^(offload|wasm kernel)/i.test(impl)) return 'offload (Rust → wasm)';
  if (/native|sharp|onnxruntime-node/i.test(impl)) return 'native';
  if (/onnxruntime-web|wasm/i.test(impl)) return 'other wasm';
  return 'JavaScript';
}

/**
 * One horizontal bar chart per workload: for each task, every implementation's median time
 * relative to the fastest (log scale, since pure JS and native differ by orders of magnitude),
 * offload's bars in one colour so the call path users take stands out.
 */
export async function workloadChart(result: WorkloadResult): Promise<string> {
  const charted = result.rows.filter((row) => !row.perItem);
  const values = charted.map((row) => {
    const fastest = Math.min(...charted.filter((r) => r.task === row.task).map((r) => r.medianMs));
    return {
      task: row.task,
      impl: row.impl,
      relative: row.medianMs / fastest,
      label: row.medianMs >= 1 ? `${row.medianMs.toFixed(1)} ms` : formatMs(row.medianMs),
      kind: kindOf(row.impl),
    };
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: result.title, subtitle: 'median time relative to the fastest for each task (lower is better)' },
    data: { values },
    facet: { row: { field: 'task', type: 'nominal', title: null, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold', labelFontSize: 12 } } },
    spec: {
      width: 380,
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'impl', type: 'nominal', sort: 'x', title: null, axis: { labelLimit: 420 } },
            // Bars start a little below 1 so the fastest (exactly 1×) still shows as a bar.
            x: {
              field: 'relative',
              type: 'quantitative',
              scale: { type: 'log', domainMin: 0.8, nice: false },
              title: '× the fastest (log scale)',
            },
            x2: { datum: 0.8 },
            color: {
              field: 'kind',
              type: 'nominal',
              title: null,
              scale: { domain: [...KINDS], range: ['#2f7ed8', '#6b6b6b', '#b07aa1', '#f28e2b'] },
              legend: { orient: 'top', labelLimit: 220 },
            },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4 },
          encoding: {
            y: { field: 'impl', type: 'nominal', sort: 'x' },
            x: { field: 'relative', type: 'quantitative' },
            text: { field: 'label' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'sans-serif' },
  };
  // The faceted, independent y scales draw a harmless warning per chart; keep the output clean.
  const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none' });
  return view.toSVG();
}
