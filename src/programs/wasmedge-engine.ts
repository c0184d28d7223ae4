/**
 * The WasmEdge engine: the AOT artifact runs in a `wasmedge` child process per call. Grants
 * map to `--dir guest:host[:readonly]`, environment variables to `--env`, the memory cap to
 * `--memory-page-limit`; the process gets no host environment, and a timeout SIGKILLs it.
 * Processes are bounded by a concurrency limit so a burst cannot fork-bomb the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { aotCompile } from './wasmedge-aot.js';
import { childStdio } from './child-stdio.js';
import { EngineFailedError, ProgramTimeoutError } from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import { MAX_OUTPUT_BYTES, PROGRAM_ARGV0, type NormalizedOptions, type ProgramResult } from './options.js';
import { trapToError } from './outcome.js';
import { locateWasmEdge } from './wasmedge-locate.js';
import { pagesFor, type ModuleInfo } from './wasm-module.js';

let limiter = new ConcurrencyLimiter(availableParallelism());

/** Most WasmEdge processes running at once (default: one per core). */
export function configureWasmEdgeConcurrency(max: number): void {
  limiter = new ConcurrencyLimiter(max);
}

/**
 * WasmEdge reports failures through spdlog on its *stdout*, mixed with the guest's output:
 * `[2026-01-01 12:00:00.000] [error] execution failed: unreachable, Code: 0x40a`. A line may
 * follow guest output that had no trailing newline, so matches are not anchored to a line
 * start. Only runs that failed (non-zero status) are scanned, so a successful program's
 * output is never altered.
 */
const ENGINE_LOG_LINE = /\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] \[(trace|debug|info|warning|error|critical)\] ([^\n]*)(\n|$)/g;

/** Split a stream into the guest's own bytes and WasmEdge's log lines. */
export function splitEngineLog(stream: Buffer): { guest: Buffer; log: string[] } {
  const text = stream.toString('latin1'); // byte-preserving, so offsets map back to bytes
  const log: string[] = [];
  const kept: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(ENGINE_LOG_LINE)) {
    kept.push(stream.subarray(last, m.index));
    log.push(`[${m[1]}] ${Buffer.from(m[2]!, 'latin1').toString('utf8')}`);
    last = m.index! + m[0].length;
  }
  kept.push(stream.subarray(last));
  return { guest: Buffer.concat(kept), log };
}

export function wasmEdgeArgs(options: NormalizedOptions): string[] {
  const flags = ['--memory-page-limit', String(pagesFor(options.memoryLimitMb))];
  for (const d of options.dirs) flags.push('--dir', `${d.guest}:${d.host}${d.readOnly ? ':readonly' : ''}`);
  for (const [k, v] of Object.entries(options.env)) flags.push('--env', `${k}=${v}`);
  // argv[0] is the artifact's own name (we run it from its directory); the rest follow `--`.
  return [...flags, '--', PROGRAM_ARGV0, ...options.args.slice(1)];
}

/** Locate WasmEdge and AOT-compile the module (or find it in the cache). */
export async function prepareWasmEdge(bytes: Uint8Array, info: ModuleInfo) {
  const wasmedge = await locateWasmEdge();
  const artifact = await aotCompile(wasmedge, bytes, info.hash);
  return { wasmedge, artifact };
}

export async function runOnWasmEdge(bytes: Uint8Array, info: ModuleInfo, options: NormalizedOptions): Promise<ProgramResult> {
  const { wasmedge, artifact } = await prepareWasmEdge(bytes, info);
  return limiter.run(() => spawnRun(wasmedge.path, artifact.dir, options));
}

async function spawnRun(binary: string, cwd: string, options: NormalizedOptions): Promise<ProgramResult> {
  const started = performance.now();
  const stdio = await childStdio(options.stdin);
  return new Promise<ProgramResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(binary, wasmEdgeArgs(options), {
        cwd,
        // Nothing of the host's environment: only what the launcher needs to find `sh` tools.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: stdio.fds,
      });
    } finally {
      stdio.release();
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    stdio.stdout.on('data', (c: Buffer) => {
      if (outBytes < MAX_OUTPUT_BYTES) out.push(c.subarray(0, MAX_OUTPUT_BYTES - outBytes));
      outBytes += c.length;
    });
    stdio.stderr.on('data', (c: Buffer) => {
      if (errBytes < MAX_OUTPUT_BYTES) err.push(c.subarray(0, MAX_OUTPUT_BYTES - errBytes));
      errBytes += c.length;
    });

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);

    child.on('error', (e) => {
      clearTimeout(timer);
      stdio.stdout.destroy();
      stdio.stderr.destroy();
      reject(new EngineFailedError('WasmEdge', `could not start ${binary}: ${e.message}`));
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('exit', (code, signal) => done([code, signal])));
    // The exit status alone is not the end: the guest's last bytes may still be in the pipes.
    void Promise.all([exited, stdio.drained]).then(([[code, signal]]) => {
      clearTimeout(timer);
      stdio.recycle();
      if (timedOut) return reject(new ProgramTimeoutError('wasmedge', options.timeoutMs));
      let output: { stdout: Buffer; stderr: Buffer } = { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
      const log: string[] = [];
      if (code !== 0) {
        const o = splitEngineLog(output.stdout);
        const e = splitEngineLog(output.stderr);
        output = { stdout: o.guest, stderr: e.guest };
        log.push(...o.log, ...e.log);
      }
      const failure = log.find((l) => l.startsWith('[error] execution failed') || l.startsWith('[critical]'));
      if (failure) {
        const message = failure.replace(/^\[error\] execution failed: /, '').replace(/, Code: 0x[0-9a-f]+$/, '');
        return reject(trapToError({ engine: 'wasmedge', message, memoryLimitMb: options.memoryLimitMb }, output));
      }
      if (signal || code === null) {
        return reject(new EngineFailedError('WasmEdge', `wasmedge was killed by ${signal ?? 'an unknown signal'}`));
      }
      const errors = log.filter((l) => l.startsWith('[error]'));
      if (errors.length > 0 && code !== 0) {
        return reject(new EngineFailedError('WasmEdge', errors.join('; ')));
      }
      resolve({ exitCode: code, ...output, engine: 'wasmedge', durationMs: performance.now() - started });
    });
  });
}
