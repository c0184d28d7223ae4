/**
 * Errors thrown by runProgram. Each class has a stable `code` so callers can branch on it
 * without parsing messages; messages say what to do next.
 */

import { OffloadError } from '../errors.js';

export interface ProgramOutput {
  stdout: Buffer;
  stderr: Buffer;
}

/** The base of every error runProgram throws; an OffloadError like all of offload's. */
export class OffloadProgramError extends OffloadError {}

/** The program ran longer than `timeoutMs`; its worker or process was killed. */
export class ProgramTimeoutError extends OffloadProgramError {
  readonly timeoutMs: number;
  readonly engine: string;
  constructor(engine: string, timeoutMs: number) {
    super(
      'ERR_OFFLOAD_TIMEOUT',
      `program did not finish within ${timeoutMs} ms on ${engine} and was killed; raise timeoutMs if the work is legitimate`,
    );
    this.timeoutMs = timeoutMs;
    this.engine = engine;
  }
}

/** The program needed more linear memory than `memoryLimitMb` allows. */
export class ProgramMemoryLimitError extends OffloadProgramError implements ProgramOutput {
  readonly memoryLimitMb: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  constructor(engine: string, memoryLimitMb: number, detail: string, output: ProgramOutput) {
    super(
      'ERR_OFFLOAD_MEMORY',
      `program exceeded its memory limit of ${memoryLimitMb} MiB on ${engine} (${detail}); raise memoryLimitMb or reduce the program's memory use`,
    );
    this.memoryLimitMb = memoryLimitMb;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

/** The bytes are not a WebAssembly module offload can run as a WASI program. */
export class BadModuleError extends OffloadProgramError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'ERR_OFFLOAD_BAD_MODULE',
      `not a runnable WASI program: ${detail}; build it with --target wasm32-wasip1 (a binary crate with fn main)`,
      options,
    );
  }
}

/** The program trapped (a Rust panic, `unreachable`, a stack overflow...). */
export class ProgramTrapError extends OffloadProgramError implements ProgramOutput {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** The Rust panic message when the program printed one, else the engine's trap message. */
  readonly trap: string;
  constructor(engine: string, trap: string, output: ProgramOutput) {
    super('ERR_OFFLOAD_TRAP', `program trapped on ${engine}: ${trap}`);
    this.trap = trap;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

/** The requested engine is not available on this machine. */
export class EngineMissingError extends OffloadProgramError {
  constructor(engine: string, hint: string) {
    super('ERR_OFFLOAD_ENGINE_MISSING', `${engine} is not available: ${hint}`);
  }
}

/** The engine itself failed (it crashed, or refused to compile the module). */
export class EngineFailedError extends OffloadProgramError {
  constructor(engine: string, detail: string) {
    super('ERR_OFFLOAD_ENGINE_FAILED', `${engine} failed: ${detail}`);
  }
}

/** The options passed to runProgram are invalid (a missing grant directory, a bad name...). */
export class InvalidProgramOptionsError extends OffloadProgramError {
  constructor(detail: string) {
    super('ERR_OFFLOAD_INVALID_OPTIONS', `invalid runProgram options: ${detail}`);
  }
}

/** A WAGI program answered with something that is not a CGI response. */
export class WagiResponseError extends OffloadProgramError {
  constructor(detail: string) {
    super(
      'ERR_OFFLOAD_WAGI_RESPONSE',
      `WAGI program sent an invalid CGI response: ${detail}; print headers, a blank line, then the body`,
    );
  }
}

/** The runner was closed: it takes no more runs, and the runs it had were stopped. */
export class ProgramRunnerClosedError extends OffloadProgramError {
  constructor() {
    super('ERR_OFFLOAD_CLOSED', 'the program runner is closed; create a new one with createProgramRunner()');
  }
}
