// Decides what ended a call that threw: the guest's own error (the instance is fine), a Rust
// panic, a stack overflow, a bad memory access, or memory exhaustion. Out of memory is never
// guessed: it is reported only when the module itself recorded a failed `memory.grow`
// (see grow-probe.ts), because a panic in a crate without a panic hook looks exactly like
// Rust's abort after a failed allocation: a bare `unreachable`.

import type { Panic } from './panic-report.js';
import type { Fault } from './protocol.js';

export interface TrapContext {
  /** The start function rather than a call. */
  duringStart: boolean;
  usedBytes: number;
  limitBytes: number | undefined;
  /** Failed `memory.grow`s during this call; undefined when the module could not be instrumented. */
  growFailures: number | undefined;
}

const ALLOCATION_PANIC = /memory allocation of \d+ bytes failed/;

export function classifyThrown(error: unknown, panics: readonly Panic[], context: TrapContext): Fault {
  const message = error instanceof Error ? error.message : String(error);
  const isTrap = error instanceof WebAssembly.RuntimeError;
  const isStackOverflow = error instanceof RangeError && /call stack/i.test(message);
  const panic = panics[0];
  if (!isTrap && !isStackOverflow && !panic) {
    // The guest returned Err(..) or the glue rejected an argument: the instance is intact.
    if (context.duringStart) return { kind: 'guest', message: `the start function threw: ${message}` };
    return { kind: 'guest', message, ...(error instanceof Error ? { name: error.name } : { cause: safeCause(error) }) };
  }
  const limit = context.limitBytes === undefined ? {} : { limitBytes: context.limitBytes };
  const grewAndFailed = (context.growFailures ?? 0) > 0;
  if (grewAndFailed && (!panic || ALLOCATION_PANIC.test(panic.message))) {
    return {
      kind: 'memory',
      detail:
        `the guest could not grow its memory past ${mib(context.usedBytes)} MiB` +
        `${context.limitBytes === undefined ? '' : ` (limit ${mib(context.limitBytes)} MiB)`}. ` +
        'Process less data per call, or raise memoryLimitMb.',
      usedBytes: context.usedBytes,
      ...limit,
    };
  }
  if (panic) {
    return {
      kind: 'trap',
      trapKind: 'panic',
      detail: `Rust panicked: ${panic.message}${panic.location ? ` (at ${panic.location})` : ''}.`,
      panicMessage: panic.message,
      ...(panic.location ? { location: panic.location } : {}),
    };
  }
  if (isStackOverflow) {
    return { kind: 'trap', trapKind: 'stack_overflow', detail: 'the engine stack overflowed (unbounded recursion?). Bound the recursion depth or make it iterative.' };
  }
  if (/memory access out of bounds/i.test(message)) {
    return {
      kind: 'trap',
      trapKind: 'memory_access',
      detail:
        'memory access out of bounds. In Rust this is usually a stack overflow (the shadow stack is 1 MiB by default): ' +
        'bound the recursion, move large locals to the heap, or raise the stack size at link time.',
    };
  }
  if (/unreachable/i.test(message)) {
    const unknownMemory =
      context.growFailures === undefined
        ? ' (offload could not instrument this module, so it cannot tell whether memory ran out: if it did, raise memoryLimitMb.)'
        : '';
    return {
      kind: 'trap',
      trapKind: 'unreachable',
      detail:
        'the guest aborted: a Rust panic (the panic message is unavailable because the crate installs no panic hook) ' +
        'or an explicit abort. To see panic messages, add the console_error_panic_hook crate and call ' +
        '`console_error_panic_hook::set_once();` in a `#[wasm_bindgen(start)]` function.' + unknownMemory,
    };
  }
  return { kind: 'trap', trapKind: 'other', detail: `${message}.` };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function safeCause(value: unknown): unknown {
  // A thrown JsValue may not be cloneable; keep it only when it is plain data.
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}
