// One served package and the builds it has been through. Each build is loaded from its own
// snapshot of the pkg/ folder, so a rebuild on disk never reaches a running pool: workers
// that the pool starts later (after a trap, or to scale up) import the glue that matches the
// module they were given. A reload loads the new snapshot, points new calls at it, then closes
// the old pool, which finishes the calls it already accepted.
//
// Per-function counts are carried across builds: a retired build's final numbers are added to
// the package's totals the moment it has closed, so /metrics counters never go backwards on a
// reload and keep one series per function (labelling by build would end a series at each
// reload and make `sum by (function)` drop).

import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { load, type LoadOptions, type Offloaded } from '../runtime/index.js';
import { addFunctionTotals, type FunctionTotals } from '../runtime/metrics.js';
import { readInitArgs } from './init-args.js';
import { functionSpecs, type FunctionSpec, type SkippedExport } from './function-spec.js';
import { OffloadHttpError } from './http-error.js';
import type { PackageConfig } from './config.js';
import { readPackageApi } from '../package/api.js';
import { locatePackage, type PackageFiles } from '../package/locate.js';

type AnyApi = Offloaded<Record<string, unknown>>;
type Callable = (...args: unknown[]) => Promise<unknown>;

interface Build {
  generation: number;
  api: AnyApi;
  snapshotDir: string;
  signature: string;
}

export class HostedPackage {
  readonly files: PackageFiles;
  readonly config: PackageConfig;
  readonly functions: FunctionSpec[];
  readonly skipped: SkippedExport[];
  readonly #snapshotRoot: string;
  readonly #log: FastifyBaseLogger;
  #current: Build | undefined;
  #generation = 0;
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;
  #initArgs: Promise<unknown[]> | undefined;
  readonly #closing = new Set<Promise<void>>();
  /** Builds that stopped taking calls but are finishing the ones they accepted. */
  readonly #draining = new Set<Build>();
  /** What closed builds counted, per function. */
  #retiredTotals: Record<string, FunctionTotals> = {};

  constructor(config: PackageConfig, snapshotRoot: string, log: FastifyBaseLogger) {
    this.config = config;
    this.files = locatePackage(config.path);
    this.#snapshotRoot = snapshotRoot;
    this.#log = log.child({ package: this.files.name });
    const parsed = functionSpecs(readPackageApi(this.files), config.init?.function);
    this.functions = parsed.functions;
    this.skipped = parsed.skipped;
  }

  get name(): string {
    return this.files.name;
  }

  get ready(): boolean {
    return this.#current !== undefined && !this.#closed;
  }

  get generation(): number {
    return this.#current?.generation ?? 0;
  }

  /** The loaded build's metrics, or undefined before the first load. */
  metrics(): ReturnType<AnyApi['$metrics']> | undefined {
    return this.#current?.api.$metrics();
  }

  /** Per-function counts over every build this package has loaded: they only grow. */
  functionTotals(): Record<string, FunctionTotals> {
    let totals = this.#retiredTotals;
    for (const build of [...this.#draining, this.#current]) {
      if (build) totals = addFunctionTotals(totals, build.api.$metrics().functions);
    }
    return totals;
  }

  async start(): Promise<void> {
    this.#current = await this.#loadBuild();
    this.#log.info({ generation: this.#current.generation, functions: this.functions.map((f) => f.name) }, 'package loaded');
    for (const skip of this.skipped) this.#log.warn({ export: skip.name, reason: skip.reason }, `export ${skip.name} not served: ${skip.reason}`);
  }

  call(fn: string, args: unknown[]): Promise<unknown> {
    const build = this.#current;
    if (!build) {
      throw new OffloadHttpError('ERR_OFFLOAD_NOT_READY', `${this.name} is still loading; retry shortly.`, { 'retry-after': '1' });
    }
    const target = build.api[fn as keyof AnyApi] as unknown as Callable | undefined;
    if (typeof target !== 'function') {
      throw new OffloadHttpError('ERR_OFFLOAD_NOT_EXPORTED', `${this.name}'s current build no longer exports ${fn}. Restart offload serve to refresh its routes.`);
    }
    return target(...args);
  }

  /** Loads the package's files as they are now; on failure the old build keeps serving. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(async () => {
      if (this.#closed) return;
      let next: Build;
      try {
        next = await this.#loadBuild();
      } catch (error) {
        this.#log.error({ err: error }, 'reload failed; the previous build keeps serving');
        return;
      }
      const previous = this.#current;
      this.#current = next;
      if (previous && next.signature !== previous.signature) {
        this.#log.warn('exported signatures changed; routes and schemas still follow the first build until a restart');
      }
      this.#log.info({ generation: next.generation }, 'package reloaded; in-flight calls finish on the previous build');
      if (previous) this.#retire(previous);
    });
    return this.#reloading;
  }

  /** Finishes every accepted call on every build, then frees the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#reloading;
    if (this.#current) this.#retire(this.#current);
    this.#current = undefined;
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
  }

  #retire(build: Build): void {
    this.#draining.add(build);
    const done = build.api
      .$close()
      .catch((error: unknown) => this.#log.error({ err: error, generation: build.generation }, 'closing a build failed'))
      .then(() => {
        // In one step, so a scrape never sees the build both counted and dropped, or neither.
        this.#retiredTotals = addFunctionTotals(this.#retiredTotals, build.api.$metrics().functions);
        this.#draining.delete(build);
        return rm(build.snapshotDir, { recursive: true, force: true });
      })
      .finally(() => this.#closing.delete(done));
    this.#closing.add(done);
  }

  async #loadBuild(): Promise<Build> {
    const generation = ++this.#generation;
    const snapshotDir = path.join(this.#snapshotRoot, `${safeName(this.name)}-${generation}`);
    await mkdir(snapshotDir, { recursive: true });
    try {
      await cp(this.files.dir, snapshotDir, { recursive: true });
      // Plain wasm-bindgen output has no package.json; the glue is an ES module regardless.
      if (!existsSync(path.join(snapshotDir, 'package.json'))) await writeFile(path.join(snapshotDir, 'package.json'), '{"type":"module"}\n');
      const glue = path.join(snapshotDir, path.basename(this.files.gluePath));
      // The init arguments (a model's weights, say) are read once, not again on each reload.
      this.#initArgs ??= this.config.init ? readInitArgs(this.config.init, this.name) : Promise.resolve([]);
      const init = this.config.init && { function: this.config.init.function, args: await this.#initArgs };
      const api = await load(glue, { ...loadOptions(this.config), init });
      // What the routes were made from: a reload that changes it cannot change the routes.
      const signature = JSON.stringify(readPackageApi(locatePackage(glue)));
      return { generation, api, snapshotDir, signature };
    } catch (error) {
      await rm(snapshotDir, { recursive: true, force: true });
      throw error;
    }
  }
}

function loadOptions(config: PackageConfig): LoadOptions {
  return {
    threads: config.threads,
    timeoutMs: config.timeoutMs,
    // The time a call may wait for a thread defaults to the time it may run (see config.ts).
    queueTimeoutMs: config.queueTimeoutMs ?? config.timeoutMs,
    memoryLimitMb: config.memoryLimitMb,
    maxQueue: config.maxQueue,
  };
}


function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}
