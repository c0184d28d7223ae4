// Every failure a call can end with is one of these classes, with a stable `code` to branch on
// and a message that ends with what to do next. The codes, their HTTP statuses and meanings
// are rows of the one registry, src/error-codes.ts.

import { OffloadError } from '../errors.js';

/** The codes a call into a loaded package can end with: a subset of the registry's. */
export type OffloadErrorCode =
  | 'ERR_OFFLOAD_TIMEOUT'
  | 'ERR_OFFLOAD_TRAP'
  | 'ERR_OFFLOAD_MEMORY'
  | 'ERR_OFFLOAD_QUEUE_FULL'
  | 'ERR_OFFLOAD_QUEUE_TIMEOUT'
  | 'ERR_OFFLOAD_CLOSED'
  | 'ERR_OFFLOAD_BAD_ARGUMENT'
  | 'ERR_OFFLOAD_GUEST_ERROR'
  | 'ERR_OFFLOAD_RESULT_TOO_LARGE'
  | 'ERR_OFFLOAD_INSTANCE_LOST'
  | 'ERR_OFFLOAD_WORKER_CRASHED'
  | 'ERR_OFFLOAD_LOAD';

export { OffloadError };

/** The base of every error a call into a loaded package can end with. */
export class OffloadCallError extends OffloadError {
  declare readonly code: OffloadErrorCode;
  /** The exported function (or `Class.method`) the call was for, when there was one. */
  readonly function: string | undefined;

  constructor(code: OffloadErrorCode, message: string, options?: { cause?: unknown; function?: string }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.function = options?.function;
  }
}

export class OffloadTimeoutError extends OffloadCallError {
  readonly timeoutMs: number;
  constructor(fn: string, timeoutMs: number) {
    super(
      'ERR_OFFLOAD_TIMEOUT',
      `${fn} did not finish within ${timeoutMs} ms; its worker was stopped and replaced. ` +
        'Raise timeoutMs (per package in load() or per call with $with()), or make the Rust code do less per call.',
      { function: fn },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** What kind of trap ended the instance. */
export type TrapKind = 'panic' | 'stack_overflow' | 'memory_access' | 'unreachable' | 'other';

export class OffloadTrapError extends OffloadCallError {
  readonly kind: TrapKind;
  /** The Rust panic message (without location), when the guest reported one. */
  readonly panicMessage: string | undefined;
  /** `file:line:column` of the panic, when reported. */
  readonly location: string | undefined;
  constructor(fn: string, kind: TrapKind, detail: string, extra?: { panicMessage?: string; location?: string; cause?: unknown }) {
    super('ERR_OFFLOAD_TRAP', `${fn} trapped: ${detail} The instance was discarded; the next call runs on a fresh one.`, {
      function: fn,
      cause: extra?.cause,
    });
    this.kind = kind;
    this.panicMessage = extra?.panicMessage;
    this.location = extra?.location;
  }
}

export class OffloadMemoryError extends OffloadCallError {
  readonly limitBytes: number | undefined;
  readonly usedBytes: number | undefined;
  constructor(fn: string, detail: string, extra: { limitBytes?: number; usedBytes?: number; cause?: unknown }) {
    super('ERR_OFFLOAD_MEMORY', `${fn} ran out of memory: ${detail} The instance was discarded; the next call runs on a fresh one.`, {
      function: fn,
      cause: extra.cause,
    });
    this.limitBytes = extra.limitBytes;
    this.usedBytes = extra.usedBytes;
  }
}

export class OffloadQueueFullError extends OffloadCallError {
  constructor(fn: string, maxQueue: number) {
    super(
      'ERR_OFFLOAD_QUEUE_FULL',
      `${fn} was rejected: ${maxQueue} calls are already waiting. ` +
        'Retry later, shed load upstream, or raise maxQueue / threads.max in load().',
      { function: fn },
    );
  }
}

export class OffloadQueueTimeoutError extends OffloadCallError {
  readonly queueTimeoutMs: number;
  constructor(fn: string, queueTimeoutMs: number) {
    super(
      'ERR_OFFLOAD_QUEUE_TIMEOUT',
      `${fn} was not run: it waited ${queueTimeoutMs} ms for a free thread (queueTimeoutMs). ` +
        'Retry later, shed load upstream, or raise threads.max or queueTimeoutMs in load().',
      { function: fn },
    );
    this.queueTimeoutMs = queueTimeoutMs;
  }
}

export class OffloadClosedError extends OffloadCallError {
  constructor(fn: string | undefined, detail = 'the package was closed') {
    super('ERR_OFFLOAD_CLOSED', `${fn ?? 'call'} was not run: ${detail}. Call load() again to get a new handle.`, { function: fn });
  }
}

export class OffloadBadArgumentError extends OffloadCallError {
  constructor(message: string, options?: { cause?: unknown; function?: string }) {
    super('ERR_OFFLOAD_BAD_ARGUMENT', message, options);
  }
}

/** The guest returned `Err(...)` (or the glue threw): the instance is healthy and kept. */
export class OffloadGuestError extends OffloadCallError {
  constructor(fn: string, message: string, cause: unknown) {
    super('ERR_OFFLOAD_GUEST_ERROR', `${fn} failed: ${message}`, { function: fn, cause });
  }
}

export class OffloadResultTooLargeError extends OffloadCallError {
  readonly sizeBytes: number;
  readonly limitBytes: number;
  constructor(fn: string, sizeBytes: number, limitBytes: number) {
    super(
      'ERR_OFFLOAD_RESULT_TOO_LARGE',
      `${fn} returned about ${mib(sizeBytes)} MiB, more than maxResultMb (${mib(limitBytes)} MiB); the result was dropped. ` +
        'Return less per call (page or stream it), or raise maxResultMb in load().',
      { function: fn },
    );
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

export class OffloadInstanceLostError extends OffloadCallError {
  constructor(fn: string, why: string) {
    super(
      'ERR_OFFLOAD_INSTANCE_LOST',
      `${fn} cannot run: the object it belongs to lived in an instance that ${why}, so the object no longer exists. ` +
        'Create the object again.',
      { function: fn },
    );
  }
}

export class OffloadWorkerCrashedError extends OffloadCallError {
  constructor(fn: string, cause: unknown) {
    super(
      'ERR_OFFLOAD_WORKER_CRASHED',
      `${fn} was lost because its worker thread exited unexpectedly (${describe(cause)}); the worker was replaced. ` +
        'Retry the call; if it keeps happening, report it with the cause attached.',
      { function: fn, cause },
    );
  }
}

export class OffloadLoadError extends OffloadCallError {
  constructor(message: string, cause?: unknown) {
    super('ERR_OFFLOAD_LOAD', message, cause === undefined ? undefined : { cause });
  }
}

/** load() was told to run a module variant (`simdVariant`) whose instructions this engine cannot validate. */
export class OffloadEngineFeatureError extends OffloadError {
  readonly feature: string;
  constructor(feature: string, message: string) {
    super('ERR_OFFLOAD_ENGINE_FEATURE_MISSING', message);
    this.feature = feature;
  }
}

function mib(bytes: number): string {
  return (bytes / (1 << 20)).toFixed(1);
}

export function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}
