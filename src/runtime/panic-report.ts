// Rust panic messages reach JavaScript only through console_error_panic_hook, which writes
// them with console.error right before the trap. This taps console.error once per thread and
// lets a running call claim the panic lines written while it runs; every other line (and a
// panic line nobody claims) goes to the real console.error unchanged.
//
// Two ways to claim: a call that finishes before it returns (nearly all of them) brackets
// itself with beginCall()/endCall(), which only moves a counter, because a listener per call
// costs more than a trivial call itself. A call that outlives its stack (an async export, a
// rayon helper) registers a listener with collectPanics().

export interface Panic {
  message: string;
  location: string | undefined;
}

type Listener = (line: string) => boolean;

const listeners = new Set<Listener>();
let tap: typeof console.error | undefined;

/** Calls between beginCall() and endCall() now; more than one when a callback calls back in. */
let runningCalls = 0;
/** The panics those calls have claimed; emptied when the outermost one ends. */
const claimedByRunning: Panic[] = [];
const NO_PANICS: readonly Panic[] = Object.freeze([]);

function install(): void {
  // Checked on every call, not once: an application (or a logger) may replace console.error
  // after us, and the tap then wraps whatever console.error is now.
  if (tap && console.error === tap) return;
  const passOn = console.error;
  // Looked up at call time by the glue, so replacing the property is enough.
  tap = (...parts: unknown[]): void => {
    const line = parts.map(String).join(' ');
    let claimed = false;
    if (runningCalls > 0) {
      const panic = parsePanic(line);
      if (panic) {
        claimedByRunning.push(panic);
        claimed = true;
      }
    }
    for (const listener of listeners) claimed = listener(line) || claimed;
    if (!claimed) passOn(...parts);
  };
  console.error = tap;
}

/**
 * Claims the panic reports written from now until endCall(mark), for a call that runs to its
 * end before the caller's stack unwinds. Every beginCall() needs its endCall(), also on a throw.
 */
export function beginCall(): number {
  install();
  runningCalls++;
  return claimedByRunning.length;
}

/** Ends the claim begun at `mark`: the panics reported since (nested calls' included). */
export function endCall(mark: number): readonly Panic[] {
  const panics = claimedByRunning.length > mark ? claimedByRunning.slice(mark) : NO_PANICS;
  // Emptied only when there is something to empty: setting an array's length is not free.
  if (--runningCalls === 0 && claimedByRunning.length > 0) claimedByRunning.length = 0;
  return panics;
}

/**
 * Collects the panic reports written until the returned `stop()` is called. `onPanic` runs at
 * once, inside the guest's call, which matters for an async call: its instance may never
 * return control after a panic, so the report has to leave from within console.error.
 */
export function collectPanics(onPanic?: (panic: Panic) => void): { panics: Panic[]; stop(): void } {
  install();
  const panics: Panic[] = [];
  const listener: Listener = (line) => {
    const panic = parsePanic(line);
    if (!panic) return false;
    panics.push(panic);
    onPanic?.(panic);
    return true;
  };
  listeners.add(listener);
  return { panics, stop: () => listeners.delete(listener) };
}

export function parsePanic(line: string): Panic | undefined {
  const match = /^panicked at ([^\n]*?):\n([\s\S]*?)(?:\n\nStack:[\s\S]*)?$/.exec(line);
  if (!match) return undefined;
  return { location: match[1] || undefined, message: (match[2] ?? '').trim() };
}
