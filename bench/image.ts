// Image workload: thumbnails (JPEG and PNG in, Lanczos3, JPEG q80 out), grayscale and Gaussian
// blur on real photographs, side by side: the Rust kernel in wasm (glue called directly, and
// through offload's pool), the same Rust compiled natively, sharp (libvips) at its default
// and on one thread, jimp (pure JS), and a plain-JS kernel. All in one round-robin run.
//
//   node --import tsx bench/image.ts
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Jimp } from 'jimp';
import sharp from 'sharp';
import { load } from '../src/runtime/index.js';
import { dataDir, type ImageKernels } from '../examples/image/api.js';
import { buildImageWasm, buildNativeBench } from '../examples/image/build.js';
import { blurJs, grayscaleJs } from '../examples/image/reference.js';
import { NativeKernels } from './image-native.js';
import { compare, stats, type CompareOptions, type Impl, type Stats } from './lib/measure.js';
import type { BenchRow, Goal, WorkloadResult } from './lib/types.js';

const MAX_SIDE = 256;
const QUALITY = 80;
const SIGMA = 3;
const PHOTOS = { jpeg: 'retina.jpg', png: 'coffee.png' } as const;

const KERNEL = 'wasm kernel (inline)';
const POOL = 'offload pool';
const NATIVE = 'native Rust, target-cpu=native (1 core)';
const NATIVE_BASE = 'native Rust, x86-64 baseline (1 core)';
const SHARP = 'sharp (default)';
const SHARP_1 = 'sharp (1 thread)';
const JIMP = 'jimp';
const PLAIN_JS = 'plain JS';
const PURE_JS = [JIMP, PLAIN_JS];

interface Task {
  name: string;
  impls: Record<string, Impl>;
  native: { task: 'thumbnail' | 'grayscale' | 'blur'; photo: number };
  options?: CompareOptions;
}

async function importKernel(pkgDir: string): Promise<ImageKernels> {
  const glue = (await import(pathToFileURL(path.join(pkgDir, 'image_kernels.js')).href)) as ImageKernels & {
    initSync: (input: { module: BufferSource }) => unknown;
  };
  glue.initSync({ module: await readFile(path.join(pkgDir, 'image_kernels_bg.wasm')) });
  return glue;
}

export async function benchImage(): Promise<WorkloadResult> {
  const pkgDir = await buildImageWasm();
  const nativeBinary = await buildNativeBench({ cpuNative: true });
  const baselineBinary = await buildNativeBench();
  const files = [PHOTOS.jpeg, PHOTOS.png].map((name) => path.join(dataDir, name));
  const [jpeg, png] = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f))));
  if (!jpeg || !png) throw new Error('photos missing');

  const kernel = await importKernel(pkgDir);
  const pool = await load<ImageKernels>(pkgDir, { threads: 1 });
  const settings = { maxSide: MAX_SIDE, quality: QUALITY, sigma: SIGMA };
  const native = await NativeKernels.start(nativeBinary, files, settings);
  const nativeBase = await NativeKernels.start(baselineBinary, files, settings);
  // libvips caches operations on identical inputs; every run here must do the work.
  sharp.cache(false);
  const sharpDefault = sharp.concurrency();
  const cores = availableParallelism();
  // sharp's default is 1 libvips thread on glibc Linux without jemalloc (to limit memory
  // fragmentation), so the all-cores setting is timed too where it differs.
  const sharpAll = cores > sharpDefault ? `sharp (${cores} threads)` : undefined;
  const withSharpThreads = async <T>(threads: number, run: () => Promise<T>): Promise<T> => {
    sharp.concurrency(threads);
    try {
      return await run();
    } finally {
      sharp.concurrency(sharpDefault);
    }
  };

  const [width, height] = kernel.dimensions(jpeg) as unknown as [number, number];
  const rgba = kernel.decode(jpeg);
  const raw = { raw: { width, height, channels: 4 as const } };
  const jimpPhoto = new Jimp({ width, height, data: Buffer.from(rgba) });

  const sharpThumb = (input: Uint8Array) => () =>
    sharp(input).resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', kernel: 'lanczos3', withoutEnlargement: true }).jpeg({ quality: QUALITY }).toBuffer();
  // jimp's default resize averages source pixels when shrinking (its anti-aliased mode).
  const jimpThumb = (input: Uint8Array) => async () => {
    const image = await Jimp.read(Buffer.from(input));
    const scale = MAX_SIDE / Math.max(image.width, image.height);
    image.resize({ w: Math.round(image.width * scale), h: Math.round(image.height * scale) });
    return image.getBuffer('image/jpeg', { quality: QUALITY });
  };
  const thumbnailTask = (input: Uint8Array, photo: number, label: string): Task => ({
    name: `thumbnail ${label} -> ${MAX_SIDE}px JPEG q${QUALITY}`,
    native: { task: 'thumbnail', photo },
    impls: {
      [KERNEL]: () => kernel.thumbnail(input, MAX_SIDE, QUALITY),
      [POOL]: () => pool.thumbnail(input, MAX_SIDE, QUALITY),
      [NATIVE]: () => native.run('thumbnail', photo),
      [NATIVE_BASE]: () => nativeBase.run('thumbnail', photo),
      [SHARP]: sharpThumb(input),
      [SHARP_1]: () => withSharpThreads(1, sharpThumb(input)),
      ...(sharpAll ? { [sharpAll]: () => withSharpThreads(cores, sharpThumb(input)) } : {}),
      [JIMP]: jimpThumb(input),
    },
  });
  const sharpGray = () => sharp(rgba, raw).greyscale().raw().toBuffer();
  const sharpBlur = () => sharp(rgba, raw).blur(SIGMA).raw().toBuffer();
  const photoLabel = `${PHOTOS.jpeg} ${width}x${height} RGBA`;
  const tasks: Task[] = [
    thumbnailTask(jpeg, 0, PHOTOS.jpeg),
    thumbnailTask(png, 1, PHOTOS.png),
    {
      name: `grayscale ${photoLabel}`,
      native: { task: 'grayscale', photo: 0 },
      impls: {
        [KERNEL]: () => kernel.grayscale(rgba, width, height),
        [POOL]: () => pool.grayscale(rgba, width, height),
        [NATIVE]: () => native.run('grayscale', 0),
        [NATIVE_BASE]: () => nativeBase.run('grayscale', 0),
        [SHARP]: sharpGray,
        [SHARP_1]: () => withSharpThreads(1, sharpGray),
        ...(sharpAll ? { [sharpAll]: () => withSharpThreads(cores, sharpGray) } : {}),
        [JIMP]: () => jimpPhoto.clone().greyscale(),
        [PLAIN_JS]: () => grayscaleJs(rgba, width, height),
      },
      options: { minRounds: 10, minTimeMs: 2000 },
    },
    {
      name: `Gaussian blur sigma ${SIGMA}, ${photoLabel}`,
      native: { task: 'blur', photo: 0 },
      impls: {
        [KERNEL]: () => kernel.blur(rgba, width, height, SIGMA),
        [POOL]: () => pool.blur(rgba, width, height, SIGMA),
        [NATIVE]: () => native.run('blur', 0),
        [NATIVE_BASE]: () => nativeBase.run('blur', 0),
        [SHARP]: sharpBlur,
        [SHARP_1]: () => withSharpThreads(1, sharpBlur),
        ...(sharpAll ? { [sharpAll]: () => withSharpThreads(cores, sharpBlur) } : {}),
        // jimp.gaussian (exact) takes tens of seconds here; its blur() is the fast
        // approximation its docs recommend, so that is what a jimp user runs.
        [JIMP]: () => jimpPhoto.clone().blur(SIGMA),
        [PLAIN_JS]: () => blurJs(rgba, width, height, SIGMA),
      },
      options: { warmup: 1, minRounds: 6, minTimeMs: 2000 },
    },
  ];

  const rows: BenchRow[] = [];
  const goals: Goal[] = [];
  const facts: Record<string, string | number> = {
    'native Rust pinned to one core with taskset': native.pinned ? 'yes' : 'no (taskset missing)',
    'sharp default concurrency (libvips threads)': sharpDefault,
    'thumbnail bytes (wasm, retina.jpg)': kernel.thumbnail(jpeg, MAX_SIDE, QUALITY).byteLength,
    'thumbnail bytes (sharp, retina.jpg)': (await sharpThumb(jpeg)()).byteLength,
  };
  try {
    for (const task of tasks) {
      const measured = await compare(task.impls, task.options);
      // The child's own clock, without the pipe round trip; the warm-up runs are dropped.
      const key = `${task.native.task} ${task.native.photo}`;
      measured[NATIVE] = stats((native.samples.get(key) ?? []).slice(task.options?.warmup ?? 3));
      measured[NATIVE_BASE] = stats((nativeBase.samples.get(key) ?? []).slice(task.options?.warmup ?? 3));
      for (const [impl, s] of Object.entries(measured)) {
        rows.push({ task: task.name, impl, ...s, viaOffload: impl === POOL });
      }
      goals.push(...goalsFor(task.name, measured));
    }
  } finally {
    native.close();
    nativeBase.close();
    await pool.$close();
  }
  return {
    workload: 'image',
    title: 'Photos: thumbnail, grayscale, Gaussian blur',
    inputs: [
      `${PHOTOS.jpeg}: ${width}x${height} JPEG, ${jpeg.byteLength} bytes (scikit-image data, CC0)`,
      `${PHOTOS.png}: 600x400 PNG, ${png.byteLength} bytes (scikit-image data, CC0)`,
    ],
    rows,
    goals,
    facts,
  };
}

function goalsFor(task: string, m: Record<string, Stats>): Goal[] {
  const ms = (impl: string) => m[impl]?.medianMs ?? Number.NaN;
  const goals: Goal[] = [];
  // The limit is native code built for this CPU; the portable baseline is given alongside.
  const vsNative = ms(KERNEL) / ms(NATIVE);
  const vsBase = ms(KERNEL) / ms(NATIVE_BASE);
  goals.push({
    name: `wasm kernel / native Rust target-cpu=native (${task})`,
    ratio: vsNative,
    target: '<= 1.3',
    met: vsNative <= 1.3,
    note:
      `against the portable x86-64 baseline build: ${vsBase.toFixed(2)}.` +
      (vsNative > 1.3 && !task.startsWith('thumbnail')
        ? ' Why (from the two native builds): these loops are auto-vectorised; built for this CPU,' +
          ' LLVM uses AVX2 (8 x 32-bit lanes, and it vectorises the RGBA de-interleave of grayscale),' +
          ' while wasm SIMD128 has 4 lanes and LLVM leaves that de-interleave scalar. To close it:' +
          ' hand-written SIMD128 (i8x16.shuffle to de-interleave, i32x4.dot_i16x8_s for the taps).'
        : ''),
  });
  const js = PURE_JS.filter((impl) => m[impl]).sort((a, b) => ms(a) - ms(b))[0] ?? JIMP;
  const vsJs = ms(js) / ms(KERNEL);
  goals.push({ name: `${js} (best pure JS) / wasm kernel (${task})`, ratio: vsJs, target: '>= 3', met: vsJs >= 3 });
  if (task.startsWith('thumbnail')) {
    const vsSharp = ms(KERNEL) / ms(SHARP_1);
    goals.push({ name: `wasm kernel / sharp 1 thread (${task})`, ratio: vsSharp, target: '<= 2', met: vsSharp <= 2 });
  }
  return goals;
}

function printResult(result: WorkloadResult): void {
  console.log(`${result.title}\n${result.inputs.map((i) => `  input: ${i}`).join('\n')}`);
  let task = '';
  for (const row of result.rows) {
    if (row.task !== task) {
      task = row.task;
      console.log(`\n${task}`);
      console.log(`  ${'implementation'.padEnd(42)}${'median'.padStart(11)}${'p10'.padStart(11)}${'p90'.padStart(11)}  runs`);
    }
    const f = (v: number) => `${v.toFixed(2)} ms`.padStart(11);
    console.log(`  ${row.impl.padEnd(42)}${f(row.medianMs)}${f(row.p10Ms)}${f(row.p90Ms)}  ${row.samples}`);
  }
  console.log('\nGoals:');
  for (const g of result.goals) {
    console.log(`  ${g.met ? 'met   ' : 'MISSED'} ${g.name}: ${g.ratio.toFixed(2)} (goal ${g.target})${g.note ? `\n         ${g.note}` : ''}`);
  }
  console.log('\nFacts:');
  for (const [k, v] of Object.entries(result.facts ?? {})) console.log(`  ${k}: ${v}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResult(await benchImage());
}
