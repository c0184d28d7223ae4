import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import {
  ProgramMemoryLimitError,
  ProgramTrapError,
  runProgram,
  type DirGrant,
  type ProgramEngine,
} from '../programs/index.js';

interface RunFlags {
  dir: DirGrant[];
  env: Record<string, string>;
  engine: ProgramEngine;
  timeoutMs?: number;
  memoryLimitMb?: number;
}

/** `--dir host:guest[:ro]`, repeatable. */
function parseDir(value: string, previous: DirGrant[]): DirGrant[] {
  const parts = value.split(':');
  const readOnly = parts.length === 3 && parts[2] === 'ro';
  if (parts.length < 2 || parts.length > 3 || (parts.length === 3 && !readOnly) || !parts[0] || !parts[1]) {
    throw new InvalidArgumentError(`expected host:guest or host:guest:ro, got "${value}"`);
  }
  return [...previous, { host: parts[0], guest: parts[1], readOnly }];
}

/** `--env KEY=VALUE`, repeatable. */
function parseEnv(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

function engine(value: string): ProgramEngine {
  if (value !== 'v8' && value !== 'wasmedge') throw new InvalidArgumentError('expected v8 or wasmedge');
  return value;
}

/** Piped stdin goes to the program; a terminal's does not (it would wait for EOF). */
async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY) return new Uint8Array();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `offload run`: a WASI program with exactly the capabilities given on the command line. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a WASI program (.wasm from `offload build --target wasi`) with explicit capabilities')
    .argument('<program>', 'the .wasm file')
    .argument('[args...]', 'arguments for the program (put them after --)')
    .option('--dir <host:guest[:ro]>', 'grant a host folder at a guest path; :ro refuses writes (repeatable)', parseDir, [])
    .option('--env <KEY=VALUE>', 'an environment variable for the program (repeatable)', parseEnv, {})
    .option('--engine <engine>', 'v8 (in process) or wasmedge (AOT, out of process)', engine, 'v8')
    .option('--timeout-ms <ms>', 'kill the program after this long', positive)
    .option('--memory-limit-mb <mb>', 'cap on the program linear memory', positive)
    .action(async (wasmPath: string, args: string[], flags: RunFlags) => {
      const wasm = await readFile(wasmPath);
      try {
        const result = await runProgram(wasm, {
          args,
          env: flags.env,
          dirs: flags.dir,
          engine: flags.engine,
          stdin: await readStdin(),
          timeoutMs: flags.timeoutMs,
          memoryLimitMb: flags.memoryLimitMb,
        });
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.exitCode = result.exitCode;
      } catch (error) {
        // A trapped program's own output (a C assert, a Rust panic message) is what tells the
        // user why it failed: print it before offload's error line.
        if (error instanceof ProgramTrapError || error instanceof ProgramMemoryLimitError) {
          process.stdout.write(error.stdout);
          process.stderr.write(error.stderr);
        }
        throw error;
      }
    });
}
