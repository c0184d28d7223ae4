// Turns what a call threw into the runtime's Fault: the guest's own error (the instance is
// fine), or a trap, whose kind the shared classifier decides (src/wasm/classify-trap.ts) and
// this file words for a wasm-bindgen caller. Memory exhaustion is known from the module's own
// record of failed `memory.grow`s (src/wasm/grow-probe.ts), never guessed.

import { classifyTrap, isStackOverflow } from '../wasm/classify-trap.js';
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

export function classifyThrown(error: unknown, panics: readonly Panic[], context: TrapContext): Fault {
  const message = error instanceof Error ? error.message : String(error);
  const stackOverflow = isStackOverflow(error);
  const panic = panics[0];
  if (!(error instanceof WebAssembly.RuntimeError) && !stackOverflow && !panic) {
    // The guest returned Err(..) or the glue rejected an argument: the instance is intact.
    if (context.duringStart) return { kind: 'guest', message: `the start function threw: ${message}` };
    return { kind: 'guest', message, ...(error instanceof Error ? { name: error.name } : { cause: safeCause(error) }) };
  }
  const kind = classifyTrap({
    message,
    stackOverflow,
    rustMessage: panic?.message,
    memoryExhausted: context.growFailures === undefined ? undefined : context.growFailures > 0,
  });
  switch (kind) {
    case 'out_of_memory':
      return {
        kind: 'memory',
        detail:
          `the guest could not grow its memory past ${mib(context.usedBytes)} MiB` +
          `${context.limitBytes === undefined ? '' : ` (limit ${mib(context.limitBytes)} MiB)`}. ` +
          'Process less data per call, or raise memoryLimitMb.',
        usedBytes: context.usedBytes,
        limitBytes: context.limitBytes,
      };
    case 'panic':
      return {
        kind: 'trap',
        trapKind: 'panic',
        detail: `Rust panicked: ${panic!.message}${panic!.location ? ` (at ${panic!.location})` : ''}.`,
        panicMessage: panic!.message,
        ...(panic!.location ? { location: panic!.location } : {}),
      };
    case 'stack_overflow':
      return { kind: 'trap', trapKind: 'stack_overflow', detail: 'the engine stack overflowed (unbounded recursion?). Bound the recursion depth or make it iterative.' };
    case 'memory_access':
      return {
        kind: 'trap',
        trapKind: 'memory_access',
        detail:
          'memory access out of bounds. In Rust this is usually a stack overflow (the shadow stack is 1 MiB by default): ' +
          'bound the recursion, move large locals to the heap, or raise the stack size at link time.',
      };
    case 'unreachable': {
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
    case 'other':
      return { kind: 'trap', trapKind: 'other', detail: `${message}.` };
  }
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
