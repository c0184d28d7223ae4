/**
 * One WasmEdge run: the AOT artifact in a `wasmedge` child process. Grants map to
 * `--dir guest:host[:readonly]`, environment variables to `--env`, the memory cap to
 * `--memory-page-limit`; the process gets no host environment, and a timeout SIGKILLs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ChildStdio } from './child-stdio.js';
import { EngineFailedError, ProgramRunnerClosedError, ProgramTimeoutError } from './errors.js';
import { MAX_OUTPUT_BYTES, PROGRAM_ARGV0, type NormalizedOptions, type ProgramResult } from './options.js';
import { trapToError } from './outcome.js';
import { splitEngineLog } from './wasmedge-log.js';
import { pagesFor } from '../wasm/memory-limits.js';

export function wasmEdgeArgs(options: NormalizedOptions): string[] {
  const flags = ['--memory-page-limit', String(pagesFor(options.memoryLimitMb))];
  for (const d of options.dirs) flags.push('--dir', `${d.guest}:${d.host}${d.readOnly ? ':readonly' : ''}`);
  for (const [k, v] of Object.entries(options.env)) flags.push('--env', `${k}=${v}`);
  // argv[0] is the artifact's own name (we run it from its directory); the rest follow `--`.
  return [...flags, '--', PROGRAM_ARGV0, ...options.args.slice(1)];
}

export interface WasmEdgeRun {
  /** Settles once the process has exited and its output pipes are drained. */
  result: Promise<ProgramResult>;
  /** SIGKILL the process; `result` rejects with ProgramRunnerClosedError. */
  stop(): void;
}

/** Start `binary` on the artifact in `cwd`, with `stdio` (from childStdio) as its stdio. */
export function spawnWasmEdge(binary: string, cwd: string, options: NormalizedOptions, stdio: ChildStdio): WasmEdgeRun {
  const started = performance.now();
  let stoppedBy: 'timeout' | 'close' | undefined;
  let child: ChildProcess | undefined;
  const kill = (reason: 'timeout' | 'close') => {
    stoppedBy ??= reason;
    child?.kill('SIGKILL');
  };
  const result = new Promise<ProgramResult>((resolve, reject) => {
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

    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);

    child.on('error', (e) => {
      clearTimeout(timer);
      stdio.stdout.destroy();
      stdio.stderr.destroy();
      reject(new EngineFailedError('WasmEdge', `could not start ${binary}: ${e.message}`));
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((done) => child!.on('exit', (code, signal) => done([code, signal])));
    // The exit status alone is not the end: the guest's last bytes may still be in the pipes.
    void Promise.all([exited, stdio.drained]).then(([[code, signal]]) => {
      clearTimeout(timer);
      stdio.recycle();
      if (stoppedBy === 'close') return reject(new ProgramRunnerClosedError());
      if (stoppedBy === 'timeout') return reject(new ProgramTimeoutError('wasmedge', options.timeoutMs));
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
  return { result, stop: () => kill('close') };
}
