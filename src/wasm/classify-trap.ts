// The one place that decides what ended a guest: memory exhaustion, a Rust panic, a stack
// overflow, a bad memory access, an abort, or something else. The runtime (wasm-bindgen
// calls) and both program engines (V8 and WasmEdge) gather the evidence they can see and turn
// the verdict into their own error classes, so the same guest fails the same way everywhere.
//
// Out of memory is decided from evidence, never from the trap alone: a panic in a crate
// without a panic hook looks exactly like Rust's abort after a failed allocation, a bare
// `unreachable`.

export type TrapKind = 'out_of_memory' | 'panic' | 'stack_overflow' | 'memory_access' | 'unreachable' | 'other';

export interface TrapEvidence {
  /** The engine's own description of the trap (`unreachable`, `memory access out of bounds`, ...). */
  message: string;
  /** The engine said its stack overflowed (V8: a RangeError about the call stack). */
  stackOverflow: boolean;
  /** The message Rust printed on its way out: a panic's, or the allocator's. */
  rustMessage: string | undefined;
  /**
   * Whether memory ran out: true or false when the guest itself recorded it (the grow probe),
   * or when an engine can tell no better than from how close memory came to its cap;
   * undefined when unknown.
   */
  memoryExhausted: boolean | undefined;
}

/** What Rust's alloc error handler prints before it aborts; any std-based guest does. */
export const ALLOCATION_FAILED = /memory allocation of (\d+) bytes failed/;

export function classifyTrap(evidence: TrapEvidence): TrapKind {
  const { rustMessage, memoryExhausted } = evidence;
  const allocationFailed = rustMessage !== undefined && ALLOCATION_FAILED.test(rustMessage);
  if (allocationFailed && memoryExhausted !== false) return 'out_of_memory';
  if (memoryExhausted === true && rustMessage === undefined) return 'out_of_memory';
  if (rustMessage !== undefined) return 'panic';
  if (evidence.stackOverflow) return 'stack_overflow';
  if (/memory access out of bounds/i.test(evidence.message)) return 'memory_access';
  if (/unreachable/i.test(evidence.message)) return 'unreachable';
  return 'other';
}

/** How V8 words a stack overflow ("Maximum call stack size exceeded"). */
export const STACK_OVERFLOW = /call stack/i;

/** V8 reports a stack overflow as a RangeError, not as a WebAssembly.RuntimeError. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && STACK_OVERFLOW.test(error.message);
}
