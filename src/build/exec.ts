import { spawn } from 'node:child_process';
import type { StdioOptions } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the child's stderr goes. 'inherit' shows tools' own progress and diagnostics as-is. */
  stderr?: 'pipe' | 'inherit';
  /** Called with each complete stdout line, for tools that stream JSON messages. */
  onStdoutLine?: (line: string) => void;
  timeoutMs?: number;
}

/** Runs a command to completion. A missing executable resolves with code 127, never throws. */
export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const stdio: StdioOptions = ['ignore', 'pipe', options.stderr ?? 'pipe'];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio,
    });
    // Not spawn's own `timeout`: Node keeps that timer after a missing command's ENOENT, which
    // held every offload command open for 15 s on a machine without rustup.
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill(), options.timeoutMs);
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onStdoutLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onStdoutLine(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: error.code === 'ENOENT' ? 127 : 1, stdout, stderr: stderr + String(error.message) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending && options.onStdoutLine) options.onStdoutLine(pending);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** The first line a tool prints for `--version`-style probes, or undefined when it cannot run. */
export async function firstLine(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await exec(command, args, { env, timeoutMs: 15_000 });
  if (result.code !== 0) return undefined;
  return result.stdout.split('\n')[0]?.trim() || undefined;
}
