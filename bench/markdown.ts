/**
 * Markdown workload: pulldown-cmark compiled to wasm (examples/markdown), called through
 * offload's pool (the path users take), through offload inline, and as the bare glue on this
 * thread (the kernel alone); against markdown-it and marked (pure JS) and the same Rust
 * compiled natively. Inputs: the 30 largest README.md files that npm packages ship in this
 * repository's node_modules, one call per document, and all of them concatenated.
 *
 * The comparison renders the same thing: GitHub-flavoured markdown with tables and
 * strikethrough, raw HTML passed through (markdown-it `{ html: true }`, marked's default, the
 * crate's `to_html_trusted`), no typographer / smart punctuation. Before timing, every
 * document's output is checked against markdown-it's (after normalising serialisation).
 *
 *   node --import tsx bench/markdown.ts [--quick]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import MarkdownIt from 'markdown-it';
import { Marked } from 'marked';
import { compare, type Impl, type Stats } from './lib/measure.js';
import { machineInfo } from './lib/machine.js';
import type { BenchRow, Goal, WorkloadResult } from './lib/types.js';
import { load } from '../src/runtime/index.js';
import type { MarkdownGlue, MarkdownModule } from '../examples/markdown/api.js';
import { buildMarkdown, crateDir, pkgDir } from '../examples/markdown/build.js';
import { concatenate, readmeCorpus, type CorpusDocument } from '../examples/markdown/corpus.js';
import { buildNativeBench, runNativeBench, type NativeTiming } from '../examples/markdown/native.js';
import { normaliseHtml } from '../examples/markdown/normalise.js';

const GOAL_RATIO = 1.5;
const IMPL = {
  pool: 'offload pool',
  inline: 'offload inline',
  kernel: 'wasm kernel',
  markdownIt: 'markdown-it',
  marked: 'marked',
  native: 'native Rust',
} as const;

/** Stats of a sample that ran `reps` renders, as time per render. */
function perRender(s: Stats, reps: number): Stats {
  return { medianMs: s.medianMs / reps, p10Ms: s.p10Ms / reps, p90Ms: s.p90Ms / reps, samples: s.samples };
}

function row(task: string, impl: string, s: Stats | NativeTiming, viaOffload?: boolean): BenchRow {
  const r: BenchRow = { task, impl, medianMs: s.medianMs, p10Ms: s.p10Ms, p90Ms: s.p90Ms, samples: s.samples };
  if (viaOffload !== undefined) r.viaOffload = viaOffload;
  return r;
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  return (require(`${name}/package.json`) as { version: string }).version;
}

function lockedVersion(crate: string): string {
  const lock = readFileSync(join(crateDir, 'Cargo.lock'), 'utf8');
  return new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`).exec(lock)?.[1] ?? 'unknown';
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

export async function benchMarkdown(options: { quick?: boolean; log?: (line: string) => void } = {}): Promise<WorkloadResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const perDocMs = options.quick ? 120 : 400;
  const corpusMs = options.quick ? 1500 : 4000;

  log('markdown: building the wasm package and the native bench ...');
  // Published with the result: on a shared machine, load from other work slows the pool most
  // (its worker must be scheduled for every call), so readers should know how busy it was.
  const loadAtStart = loadavg()[0]!;
  const built = await buildMarkdown({ quiet: true });
  const nativeBinary = buildNativeBench();
  const docs = readmeCorpus(30);
  const texts = docs.map((d) => d.text);
  const joined = concatenate(docs);
  const corpusBytes = docs.reduce((sum, d) => sum + d.bytes, 0);

  // The kernel alone: the glue on this thread, initialised from the same optimised .wasm.
  const glue = (await import(pathToFileURL(join(pkgDir, 'markdown.js')).href)) as MarkdownModule;
  glue.initSync({ module: readFileSync(join(pkgDir, 'markdown_bg.wasm')) });
  const threads = availableParallelism();
  const inline = await load<MarkdownGlue>(pkgDir, { mode: 'inline' });
  const pool = await load<MarkdownGlue>(pkgDir, { threads });
  const markdownIt = new MarkdownIt({ html: true }); // default preset: tables + strikethrough on
  const markdownItSafe = new MarkdownIt(); // markdown-it's default: raw HTML escaped
  const marked = new Marked({ gfm: true, async: false }); // marked's defaults, spelled out
  const markedParse = (s: string): string => marked.parse(s) as string;

  try {
    // Same work, checked: every renderer's output on every document, against markdown-it's.
    let matching = 0;
    const mismatched: string[] = [];
    for (const doc of docs) {
      const expected = normaliseHtml(markdownIt.render(doc.text));
      const viaPool = await pool.to_html_trusted(doc.text);
      if (viaPool !== glue.to_html_trusted(doc.text)) throw new Error(`pool and kernel disagree on ${doc.name}`);
      if (normaliseHtml(viaPool) === expected) matching++;
      else mismatched.push(doc.name);
    }
    log(`markdown: ${matching}/${docs.length} documents render like markdown-it (normalised)`);

    const rows: BenchRow[] = [];
    const perDoc: { doc: CorpusDocument; ms: Record<string, number> }[] = [];

    const native = await runNativeBench(nativeBinary, docs.map((d) => d.path), { minTimeMs: perDocMs, trusted: true });

    for (const [i, doc] of docs.entries()) {
      // Enough renders per sample for ~2 ms of markdown-it, so timer resolution is irrelevant.
      const t0 = performance.now();
      markdownIt.render(doc.text);
      const reps = Math.min(50, Math.max(1, Math.ceil(2 / (performance.now() - t0))));
      const repeat = (fn: () => unknown): Impl => async () => {
        for (let r = 0; r < reps; r++) await fn();
      };
      const stats = await compare(
        {
          [IMPL.pool]: repeat(() => pool.to_html_trusted(doc.text)),
          [IMPL.inline]: repeat(() => inline.to_html_trusted(doc.text)),
          [IMPL.kernel]: repeat(() => glue.to_html_trusted(doc.text)),
          [IMPL.markdownIt]: repeat(() => markdownIt.render(doc.text)),
          [IMPL.marked]: repeat(() => markedParse(doc.text)),
        },
        { warmup: 2, minRounds: 10, minTimeMs: perDocMs, maxRounds: 100 },
      );
      const task = `${doc.name} (${kib(doc.bytes)})`;
      const ms: Record<string, number> = {};
      for (const [impl, s] of Object.entries(stats)) {
        const scaled = perRender(s, reps);
        rows.push({ ...row(task, impl, scaled, impl === IMPL.pool ? true : impl === IMPL.inline || impl === IMPL.kernel ? false : undefined), perItem: true });
        ms[impl] = scaled.medianMs;
      }
      const nativeDoc = native.documents[i]!;
      rows.push({ ...row(task, IMPL.native, nativeDoc), perItem: true });
      ms[IMPL.native] = nativeDoc.medianMs;
      perDoc.push({ doc, ms });
    }

    // Whole corpus, one call per document in turn (what a docs site rebuilding does), the
    // same as one batch call, and all documents at once over the pool's threads.
    const corpusTask = `all ${docs.length} READMEs, one call each (${kib(corpusBytes)})`;
    const corpus = await compare(
      {
        [IMPL.pool]: async () => { for (const t of texts) await pool.to_html_trusted(t); },
        [IMPL.inline]: async () => { for (const t of texts) await inline.to_html_trusted(t); },
        [IMPL.kernel]: () => { for (const t of texts) glue.to_html_trusted(t); },
        [IMPL.markdownIt]: () => { for (const t of texts) markdownIt.render(t); },
        [IMPL.marked]: () => { for (const t of texts) markedParse(t); },
        'wasm kernel, safe (to_html)': () => { for (const t of texts) glue.to_html(t); },
        'markdown-it, safe (html: false)': () => { for (const t of texts) markdownItSafe.render(t); },
        [`${IMPL.pool}, batch (to_html_many)`]: () => pool.to_html_many(texts, true),
        [`${IMPL.pool}, ${threads} threads concurrent`]: () => Promise.all(texts.map((t) => pool.to_html_trusted(t))),
      },
      { warmup: 2, minRounds: 15, minTimeMs: corpusMs, maxRounds: 200 },
    );
    for (const [impl, s] of Object.entries(corpus)) {
      rows.push(row(corpusTask, impl, s, impl.startsWith(IMPL.pool) ? true : impl.startsWith(IMPL.inline) || impl.startsWith('wasm kernel') ? false : undefined));
    }
    rows.push(row(corpusTask, IMPL.native, native.corpus));

    const joinedTask = `the ${docs.length} READMEs as one document (${kib(Buffer.byteLength(joined))})`;
    const whole = await compare(
      {
        [IMPL.pool]: () => pool.to_html_trusted(joined),
        [IMPL.inline]: () => inline.to_html_trusted(joined),
        [IMPL.kernel]: () => glue.to_html_trusted(joined),
        [IMPL.markdownIt]: () => markdownIt.render(joined),
        [IMPL.marked]: () => markedParse(joined),
      },
      { warmup: 2, minRounds: 10, minTimeMs: corpusMs, maxRounds: 100 },
    );
    for (const [impl, s] of Object.entries(whole)) {
      rows.push(row(joinedTask, impl, s, impl === IMPL.pool ? true : impl === IMPL.inline || impl === IMPL.kernel ? false : undefined));
    }
    rows.push(row(joinedTask, IMPL.native, native.concatenated));

    // Where the kernel's time goes: the strings crossing into wasm (UTF-16 -> UTF-8) and back
    // (UTF-8 -> UTF-16) are JavaScript work the native binary does not do.
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const joinedOut = encoder.encode(glue.to_html_trusted(joined));
    const scratch = new Uint8Array(Buffer.byteLength(joined));
    const crossing = await compare(
      { encode: () => encoder.encodeInto(joined, scratch), decode: () => decoder.decode(joinedOut) },
      { warmup: 3, minRounds: 20, minTimeMs: 300, maxRounds: 100 },
    );
    const crossingMs = crossing.encode!.medianMs + crossing.decode!.medianMs;

    const c = (impl: string): number => corpus[impl]!.medianMs;
    const goalRatio = c(IMPL.markdownIt) / c(IMPL.pool);
    const geomean = Math.exp(perDoc.reduce((sum, d) => sum + Math.log(d.ms[IMPL.markdownIt]! / d.ms[IMPL.pool]!), 0) / perDoc.length);
    const minPerDoc = Math.min(...perDoc.map((d) => d.ms[IMPL.markdownIt]! / d.ms[IMPL.pool]!));
    const goal: Goal = {
      name: `markdown-it / offload pool (${docs.length} READMEs, one call each, call overhead included)`,
      ratio: goalRatio,
      target: `>= ${GOAL_RATIO}`,
      met: goalRatio >= GOAL_RATIO,
    };
    if (!goal.met) {
      goal.note = `missed by ${((1 - goalRatio / GOAL_RATIO) * 100).toFixed(0)}%: kernel alone ${(c(IMPL.markdownIt) / c(IMPL.kernel)).toFixed(2)}x markdown-it, so the rest is call overhead ((pool - kernel) / call = ${(((c(IMPL.pool) - c(IMPL.kernel)) / docs.length) * 1000).toFixed(0)} µs)`;
    }

    return {
      workload: 'markdown',
      title: 'Markdown to HTML: pulldown-cmark in wasm vs markdown-it and marked',
      inputs: [
        `${docs.length} largest README.md files in node_modules (deduplicated by content), ${kib(corpusBytes)} in all:`,
        ...docs.map((d) => `${d.name} (${d.bytes} bytes)`),
        `plus all of them joined with blank lines into one document (${Buffer.byteLength(joined)} bytes)`,
      ],
      rows,
      goals: [goal],
      facts: {
        'markdown-it / offload pool, geometric mean over documents': round(geomean),
        'markdown-it / offload pool, smallest per-document ratio': round(minPerDoc),
        'marked / offload pool (corpus)': round(c(IMPL.marked) / c(IMPL.pool)),
        'markdown-it / wasm kernel (corpus)': round(c(IMPL.markdownIt) / c(IMPL.kernel)),
        'marked / wasm kernel (corpus)': round(c(IMPL.marked) / c(IMPL.kernel)),
        'offload pool / native Rust (corpus)': round(c(IMPL.pool) / native.corpus.medianMs),
        'wasm kernel / native Rust (corpus)': round(c(IMPL.kernel) / native.corpus.medianMs),
        'one-document kernel: string crossing (encode input + decode output), ms': round(crossingMs),
        'one-document kernel minus string crossing / native Rust': round((whole[IMPL.kernel]!.medianMs - crossingMs) / native.concatenated.medianMs),
        'offload pool call overhead per document, µs': Math.round(((c(IMPL.pool) - c(IMPL.kernel)) / docs.length) * 1000),
        'offload inline call overhead per document, µs': Math.round(((c(IMPL.inline) - c(IMPL.kernel)) / docs.length) * 1000),
        'documents rendering like markdown-it (normalised)': `${matching}/${docs.length}${mismatched.length ? ` (differ: ${mismatched.join(', ')})` : ''}`,
        'features compared': 'GFM tables + ~~strikethrough~~, raw HTML passed through (markdown-it {html:true}, marked default, to_html_trusted); no typographer/linkify. Extras: pulldown-cmark and marked also render task lists, marked also autolinks bare URLs',
        'wasm size': `${built.manifest.artifacts[0]?.bytesAfterOpt ?? 0} bytes (wasm-opt -O3, SIMD on)`,
        versions: `pulldown-cmark ${lockedVersion('pulldown-cmark')}, markdown-it ${packageVersion('markdown-it')}, marked ${packageVersion('marked')}`,
        'pool threads': threads,
        'load average (1 min) at start / end': `${loadAtStart.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}`,
        ...Object.fromEntries(Object.entries(machineInfo()).map(([k, v]) => [`machine ${k}`, v])),
      },
    };
  } finally {
    await Promise.all([inline.$close(), pool.$close()]);
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;

function fmt(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

/** Prints the per-document table, the corpus tables, the goal and the ratios. */
export function printMarkdownResult(result: WorkloadResult): void {
  const columns = [IMPL.pool, IMPL.inline, IMPL.kernel, IMPL.markdownIt, IMPL.marked, IMPL.native];
  const tasks = [...new Set(result.rows.map((r) => r.task))];
  const median = (task: string, impl: string): number | undefined => result.rows.find((r) => r.task === task && r.impl === impl)?.medianMs;
  const pad = (s: string, n: number): string => s.padEnd(n);
  console.log(`\n${result.title}\n`);
  console.log(['document', ...columns, 'md-it/pool'].map((c, i) => pad(c, i === 0 ? 62 : 15)).join(''));
  for (const task of tasks.filter((t) => !t.startsWith('all ') && !t.startsWith('the '))) {
    const ratio = (median(task, IMPL.markdownIt) ?? NaN) / (median(task, IMPL.pool) ?? NaN);
    console.log([pad(task, 62), ...columns.map((c) => pad(fmt(median(task, c)), 15)), ratio.toFixed(2)].join(''));
  }
  for (const task of tasks.filter((t) => t.startsWith('all ') || t.startsWith('the '))) {
    console.log(`\n${task}`);
    for (const r of result.rows.filter((x) => x.task === task)) {
      console.log(`  ${pad(r.impl, 40)}${pad(fmt(r.medianMs), 12)}p10 ${pad(fmt(r.p10Ms), 12)}p90 ${pad(fmt(r.p90Ms), 12)}n=${r.samples}`);
    }
  }
  console.log('\nGoal:');
  for (const g of result.goals) {
    console.log(`  ${g.name}: ${g.ratio.toFixed(2)} (target ${g.target}) ${g.met ? 'MET' : 'NOT MET'}${g.note ? ` - ${g.note}` : ''}`);
  }
  console.log('\nRatios and facts:');
  for (const [k, v] of Object.entries(result.facts ?? {})) console.log(`  ${k}: ${v}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchMarkdown({ quick: process.argv.includes('--quick') });
  printMarkdownResult(result);
}
