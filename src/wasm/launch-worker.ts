// The one way offload starts a worker thread, for the runtime's pool and the V8 program
// engine alike: the built .js entry when offload runs compiled, or the .ts entry under tsx
// when it runs from source (tests, benchmarks), with execArgv a worker accepts
// (see worker-exec-argv.ts).

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { workerExecArgv } from './worker-exec-argv.js';

const fromSource = import.meta.url.endsWith('.ts');

/** Starts the worker whose entry is `entry` (the .js or .ts beside its caller; either works). */
export function launchWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const url = new URL(entry.href.replace(/\.[jt]s$/, fromSource ? '.ts' : '.js'));
  const withArgv: WorkerOptions = { execArgv: workerExecArgv(process.execArgv), ...options };
  if (!fromSource) return new Worker(url, withArgv);
  // Workers inherit --import tsx through execArgv, but on Node 20 the loader hooks it
  // registers do not reach a worker's entry module, so the worker registers tsx itself.
  // tsx's require hook runs in the worker's own thread and brings a first program run to its
  // result in about half the time of tsx's ESM hooks (which start a loader thread per worker:
  // 90 ms against 185 ms here); it loads both entries on Node 20 and 24, whose module graphs
  // use no top-level await or import.meta, which a require hook cannot give.
  const tsxApi = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const bootstrap = `require(${JSON.stringify(tsxApi)}).register(); require(${JSON.stringify(fileURLToPath(url))});`;
  return new Worker(bootstrap, { ...withArgv, eval: true });
}
