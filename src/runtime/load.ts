// load(): the one entry point. Resolves and compiles the package once, picks the executor
// (worker pool or inline), and returns the typed proxy.

import { OffloadBadArgumentError, OffloadLoadError } from './errors.js';
import type { Executor } from './executor.js';
import { ObjectRef } from './executor.js';
import { glueShape, importGlue } from './glue-shape.js';
import { withTemporarySelf } from './rayon-helpers.js';
import { AutoExecutor } from './auto.js';
import { InlineExecutor } from './inline.js';
import { Metrics } from './metrics.js';
import { compilePackage, resolvePackage, type PackageLocation } from './module-cache.js';
import { Pool, defaultThreads } from './pool.js';
import type { InstanceConfig } from './protocol.js';
import { shareBytes } from './share-bytes.js';
import { SIMD_VARIANT_CHOICES, type SimdVariantChoice } from './simd-variant.js';
import { buildProxy, type Offloaded } from './proxy.js';

export interface LoadOptions {
  /**
   * 'pool' (default) runs calls on worker threads; 'inline' on the caller's thread; 'auto' each
   * function where it costs least: inline when its measured run time is below the pool's round
   * trip, else in the pool (src/runtime/auto.ts). $metrics().placement shows the choice.
   */
  mode?: 'pool' | 'inline' | 'auto';
  /** mode 'auto' only: where named functions run, whatever their run time (`fn` or `Class.method`). */
  placement?: Record<string, 'inline' | 'pool'>;
  /** Worker threads: a number (fixed) or bounds. Default: min 1, max = available cores. */
  threads?: number | { min?: number; max?: number };
  /** Threads above `min` that stay idle this long are stopped. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Longest a call may run before its thread is stopped and replaced. Default: none. */
  timeoutMs?: number;
  /** Longest a call may wait for a free thread before it fails with ERR_OFFLOAD_QUEUE_TIMEOUT. Default: none. */
  queueTimeoutMs?: number;
  /** Cap on the instance's linear memory, written into the module before it is compiled. */
  memoryLimitMb?: number;
  /** Calls allowed to wait; beyond it a call fails at once with ERR_OFFLOAD_QUEUE_FULL. Default: unbounded. */
  maxQueue?: number;
  /** Results larger than this are dropped with ERR_OFFLOAD_RESULT_TOO_LARGE. Default 256 MiB. */
  maxResultMb?: number;
  /**
   * An exported function every instance calls once as it starts (replacements after a trap or
   * timeout too), before any call: where a package loads what its calls share, such as a
   * model's weights. It is not offered as a callable export. Byte arrays among `args` are
   * copied once into shared memory, so each worker reads them without a copy of its own.
   */
  init?: { function: string; args?: unknown[] };
  /**
   * Packages built with `offload build --threads` only: rayon threads each instance starts
   * (offload calls the package's initThreadPool with it). Default: the cores divided among
   * the instances, so instances × helpers never exceeds availableParallelism(); an instance's
   * own thread only waits while its helpers work, so it is not counted. Such packages default
   * to one instance (`threads: 1`).
   */
  threadsPerInstance?: number;
  /**
   * Which module of a package built with `offload build --relaxed-simd` runs: 'auto' (default)
   * the relaxed-SIMD twin where this engine validates relaxed SIMD, else the SIMD128 one;
   * 'simd128' or 'relaxed-simd' insist (ERR_OFFLOAD_ENGINE_FEATURE_MISSING where the engine
   * lacks it). $metrics().simdVariant says which one runs.
   */
  simdVariant?: SimdVariantChoice;
}

/** wasm-bindgen-rayon's exports: offload starts the pool itself, so callers never see them. */
const RAYON_MACHINERY = ['initThreadPool', 'wbg_rayon_start_worker', 'wbg_rayon_PoolBuilder'];

/**
 * Loads a package built by `offload build` (its pkg/ directory, or the path or file: URL of
 * its .js glue). Pass the glue's type for typed calls:
 *
 *     const hello = await load<typeof import('./pkg/hello.js')>('./pkg');
 *     await hello.say('world'); // Promise<string>
 */
export async function load<M = Record<string, unknown>>(pkg: PackageLocation, options: LoadOptions = {}): Promise<Offloaded<M>> {
  const mode = options.mode ?? 'pool';
  validate(options, mode);
  const resolved = resolvePackage(pkg, options.simdVariant);
  const compiled = await compilePackage(resolved, options.memoryLimitMb);
  let glue: Record<string, unknown>;
  try {
    // Importing the glue does not instantiate anything; it only tells us the export names.
    glue = await (compiled.sharedMemory ? withTemporarySelf(() => importGlue(resolved.glueUrl, 0)) : importGlue(resolved.glueUrl, 0));
  } catch (error) {
    throw new OffloadLoadError(`cannot import ${resolved.gluePath}: ${(error as Error).message}. Rebuild it with \`offload build\`.`, error);
  }
  const threaded = compiled.sharedMemory;
  if (threaded && mode !== 'pool') {
    throw new OffloadBadArgumentError(`this package is built with --threads; its rayon threads need mode 'pool', where a call may block while they work (mode was '${mode}').`);
  }
  if (!threaded && options.threadsPerInstance !== undefined) {
    throw new OffloadBadArgumentError(`threadsPerInstance needs a package built with \`offload build --threads\`; ${resolved.wasmPath} is not.`);
  }
  const hidden = [compiled.startExport, options.init?.function, ...(threaded ? RAYON_MACHINERY : [])].filter((name): name is string => name !== undefined);
  const shape = glueShape(glue, new Set(hidden));
  if (options.init && typeof glue[options.init.function] !== 'function') {
    throw new OffloadBadArgumentError(`init names ${options.init.function}, which ${resolved.gluePath} does not export as a function.`);
  }
  const clash = [...Object.keys(shape.functions), ...Object.keys(shape.classes), ...Object.keys(shape.enums)].find((n) => n.startsWith('$'));
  if (clash) {
    throw new OffloadLoadError(`the package exports ${clash}, which clashes with offload's $-prefixed controls. Rename it with #[wasm_bindgen(js_name = ...)].`);
  }
  const config: InstanceConfig = {
    glueUrl: resolved.glueUrl,
    module: compiled.module,
    simdVariant: compiled.simdVariant,
    memoryMaxBytes: compiled.memoryMaxBytes,
    memoryLimited: compiled.memoryLimited,
    shape,
    init: options.init && { function: options.init.function, args: mode !== 'inline' ? shareBytes(options.init.args ?? []) : (options.init.args ?? []) },
    maxResultBytes: (options.maxResultMb ?? 256) * 2 ** 20,
  };
  // A threaded package runs one instance unless told otherwise: its parallelism is rayon's.
  const requested = options.threads ?? (threaded ? 1 : undefined);
  let executor: Executor;
  const metrics = new Metrics();
  if (mode === 'inline') {
    executor = await InlineExecutor.create(config, metrics);
  } else {
    const defaults = defaultThreads();
    const threads = typeof requested === 'number' ? { min: requested, max: requested } : requested ?? {};
    const max = threads.max ?? Math.max(defaults.max, threads.min ?? 0);
    if (threaded) {
      config.threads = {
        helpers: options.threadsPerInstance ?? Math.max(1, Math.floor(defaults.max / max)),
        helperEntry: new URL('./rayon-helper.js', import.meta.url).href,
        initialPages: threaded.initialPages,
        maximumPages: threaded.maximumPages,
      };
    }
    const pool = new Pool(config, {
      minThreads: Math.min(threads.min ?? defaults.min, max),
      maxThreads: max,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      maxQueue: options.maxQueue ?? Infinity,
    }, metrics);
    try {
      // Surfaces a broken package (glue that will not import, a start function that panics)
      // here rather than on the first call.
      await pool.ready();
      executor = mode === 'auto' ? new AutoExecutor(pool, await InlineExecutor.create(config, metrics), options.placement) : pool;
    } catch (error) {
      await pool.close();
      throw error;
    }
  }
  const finalizer = new FinalizationRegistry<ObjectRef>((ref) => executor.release(ref));
  return buildProxy<M>({ executor, shape, timeoutMs: options.timeoutMs, queueTimeoutMs: options.queueTimeoutMs }, finalizer);
}

function validate(options: LoadOptions, mode: string): void {
  const positive = (name: string, value: number | undefined, integer = false): void => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !(value > 0) || (integer && !Number.isInteger(value))) {
      throw new OffloadBadArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}.`);
    }
  };
  if (mode !== 'pool' && mode !== 'inline' && mode !== 'auto') {
    throw new OffloadBadArgumentError(`mode must be 'pool', 'inline' or 'auto', got ${String(mode)}.`);
  }
  if (options.placement !== undefined) {
    if (mode !== 'auto') throw new OffloadBadArgumentError(`placement only applies to mode 'auto' (mode is '${mode}').`);
    for (const [name, where] of Object.entries(options.placement)) {
      if (where !== 'inline' && where !== 'pool') throw new OffloadBadArgumentError(`placement.${name} must be 'inline' or 'pool', got ${String(where)}.`);
      if (where === 'inline' && options.timeoutMs !== undefined) {
        throw new OffloadBadArgumentError(`placement.${name} is 'inline', where timeoutMs cannot be enforced; drop one of them.`);
      }
    }
  }
  if (mode === 'inline' && options.timeoutMs !== undefined) {
    throw new OffloadBadArgumentError(
      "timeoutMs cannot be enforced in mode 'inline': the call runs on your thread and cannot be interrupted. Use mode 'pool' for calls that may run long.",
    );
  }
  positive('timeoutMs', options.timeoutMs);
  positive('queueTimeoutMs', options.queueTimeoutMs);
  positive('memoryLimitMb', options.memoryLimitMb);
  positive('maxResultMb', options.maxResultMb);
  positive('idleTimeoutMs', options.idleTimeoutMs);
  if (options.maxQueue !== undefined && !(options.maxQueue >= 0)) {
    throw new OffloadBadArgumentError(`maxQueue must be 0 or more, got ${String(options.maxQueue)}.`);
  }
  positive('threadsPerInstance', options.threadsPerInstance, true);
  if (options.simdVariant !== undefined && !SIMD_VARIANT_CHOICES.includes(options.simdVariant)) {
    throw new OffloadBadArgumentError(`simdVariant must be ${SIMD_VARIANT_CHOICES.map((c) => `'${c}'`).join(', ')}; got ${String(options.simdVariant)}.`);
  }
  if (typeof options.threads === 'number') positive('threads', options.threads, true);
  else if (options.threads) {
    positive('threads.min', options.threads.min === 0 ? undefined : options.threads.min, true);
    positive('threads.max', options.threads.max, true);
    if (options.threads.min !== undefined && options.threads.max !== undefined && options.threads.min > options.threads.max) {
      throw new OffloadBadArgumentError(`threads.min (${options.threads.min}) is above threads.max (${options.threads.max}).`);
    }
  }
}
