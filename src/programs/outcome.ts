/**
 * Turning how a run ended into a result or a typed error, shared by both engines so the same
 * program fails the same way on each.
 */
import { ProgramMemoryLimitError, ProgramTrapError, type ProgramOutput } from './errors.js';

/** Rust's alloc error handler prints this before aborting; any std-based program does. */
const ALLOC_FAILED = /memory allocation of (\d+) bytes failed/;
const RUST_PANIC = /panicked at ([^\n]*):\n([^\n]*)/;

export interface TrapInfo {
  engine: string;
  /** The engine's own description of the trap (`unreachable`, ...). */
  message: string;
  memoryLimitMb: number;
  /** Current linear memory size, when the engine can tell (V8). */
  memoryBytes?: number;
}

export function trapToError(info: TrapInfo, output: ProgramOutput): ProgramTrapError | ProgramMemoryLimitError {
  const stderr = output.stderr.toString('utf8');
  const alloc = ALLOC_FAILED.exec(stderr);
  if (alloc) {
    return new ProgramMemoryLimitError(info.engine, info.memoryLimitMb, `an allocation of ${alloc[1]} bytes failed`, output);
  }
  const panic = RUST_PANIC.exec(stderr);
  if (panic) return new ProgramTrapError(info.engine, `panicked at ${panic[1]}: ${panic[2]}`, output);
  // Programs without Rust's handler: a trap with memory grown to within a MiB of the cap is
  // almost certainly a failed allocation.
  const limitBytes = info.memoryLimitMb * 1024 * 1024;
  if (info.memoryBytes !== undefined && info.memoryBytes + 1024 * 1024 > limitBytes) {
    return new ProgramMemoryLimitError(info.engine, info.memoryLimitMb, `memory reached ${info.memoryBytes} bytes`, output);
  }
  return new ProgramTrapError(info.engine, info.message, output);
}
