// The one way offload starts a worker thread, for the runtime's pool and the V8 program
// engine alike: the built .js entry when offload runs compiled, or the .ts entry under tsx
// when it runs from source (tests, benchmarks), with execArgv a worker accepts
// (see worker-exec-argv.ts).

import { Worker, type WorkerOptions } from 'node:worker_threads';
import { workerExecArgv } from './worker-exec-argv.js';

const fromSource = import.meta.url.endsWith('.ts');

/** Starts the worker whose entry is `entry` (the .js or .ts beside its caller; either works). */
export function launchWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const url = new URL(entry.href.replace(/\.[jt]s$/, fromSource ? '.ts' : '.js'));
  const withArgv: WorkerOptions = { execArgv: workerExecArgv(process.execArgv), ...options };
  if (!fromSource) return new Worker(url, withArgv);
  // Workers inherit --import tsx through execArgv, but on Node 20 the loader hooks it
  // registers do not reach the worker's entry module, so the worker registers tsx itself
  // before importing the .ts entry. A failed import is rethrown outside the promise, so it
  // reaches the parent as the worker's 'error' event.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })` +
    '.catch((error) => { setImmediate(() => { throw error; }); });';
  return new Worker(bootstrap, { ...withArgv, eval: true });
}
