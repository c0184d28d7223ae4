/**
 * Turning how a program's run ended into a typed error, shared by both engines so the same
 * program fails the same way on each. What kind of trap it was is decided by the classifier
 * the runtime uses too (src/wasm/classify-trap.ts); the evidence here is what a program
 * leaves: its stderr, and on V8 the size its memory reached and its record of failed grows.
 */
import { ALLOCATION_FAILED, STACK_OVERFLOW, classifyTrap } from '../wasm/classify-trap.js';
import { ProgramMemoryLimitError, ProgramTrapError, type ProgramOutput } from './errors.js';

/** How Rust's default panic hook reports a panic on stderr. */
const RUST_PANIC = /panicked at ([^\n]*):\n([^\n]*)/;

export interface TrapInfo {
  engine: string;
  /** The engine's own description of the trap (`unreachable`, ...). */
  message: string;
  memoryLimitMb: number;
  /** Current linear memory size, when the engine can tell (V8). */
  memoryBytes?: number;
  /** Failed `memory.grow`s the module recorded (V8, when it could be instrumented). */
  growFailures?: number | undefined;
}

export function trapToError(info: TrapInfo, output: ProgramOutput): ProgramTrapError | ProgramMemoryLimitError {
  const stderr = output.stderr.toString('utf8');
  const allocation = ALLOCATION_FAILED.exec(stderr);
  const panic = RUST_PANIC.exec(stderr);
  const panicText = panic ? `panicked at ${panic[1]}: ${panic[2]}` : undefined;
  // Without the grow probe's record (WasmEdge runs the module out of process), memory grown to
  // within a MiB of the cap is taken as a sign that it ran out, and anything else as no sign.
  const nearCap = info.memoryBytes !== undefined && info.memoryBytes + 2 ** 20 > info.memoryLimitMb * 2 ** 20;
  const memoryExhausted = info.growFailures !== undefined ? info.growFailures > 0 : nearCap ? true : undefined;
  const kind = classifyTrap({
    message: info.message,
    stackOverflow: STACK_OVERFLOW.test(info.message),
    rustMessage: allocation?.[0] ?? panicText,
    memoryExhausted,
  });
  if (kind === 'out_of_memory') {
    const detail = allocation ? `an allocation of ${allocation[1]} bytes failed` : `memory could not grow past ${info.memoryBytes} bytes`;
    return new ProgramMemoryLimitError(info.engine, info.memoryLimitMb, detail, output);
  }
  return new ProgramTrapError(info.engine, kind === 'panic' && panicText ? panicText : info.message, output);
}
