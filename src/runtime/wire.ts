// The calling side of the wire: how a call's arguments cross to an instance and its result
// comes back. ObjectRefs become wire refs and (in pool mode) JS functions become callback
// markers; returned objects become ObjectRefs again; `&mut [T]` arguments the guest wrote
// into are copied back into the caller's own arrays. The message shapes and markers are in
// protocol.ts; the instance's side of the same rules is in guest.ts.

import { ObjectRef, type CallTask } from './executor.js';
import { CALLBACK_KEY, OBJECT_KEY, REF_KEY, isWireObject, type CallbackReply, type CallResponse, type CallSpec } from './protocol.js';

export type Callback = (...args: unknown[]) => unknown;

/**
 * The call as an instance receives it. `visit` sees every ObjectRef, the target first, so the
 * executor can check where it lives. JS functions are collected into `callbacks` and sent as
 * their index when a list is given (the guest runs on another thread), and passed as they are
 * otherwise (inline mode: same thread). Loops, not closures: this runs on every call.
 */
export function encodeCall(task: CallTask, visit: (ref: ObjectRef, task: CallTask) => void, callbacks?: Callback[]): CallSpec {
  if (task.target) visit(task.target, task);
  const args = task.args.slice();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (callbacks && typeof arg === 'function') {
      callbacks.push(arg as Callback);
      args[i] = { [CALLBACK_KEY]: callbacks.length - 1 };
    } else if (arg instanceof ObjectRef) {
      visit(arg, task);
      args[i] = { [REF_KEY]: arg.objectId };
    }
  }
  return { op: task.op, name: task.name, args, className: task.className, objectId: task.target?.objectId };
}

/** A result as the caller sees it: objects the call returned become handles made by `toRef`. */
export function decodeResult(value: unknown, toRef: (objectId: number, className: string) => ObjectRef): unknown {
  // Only an object can be, or hold, an object the call returned.
  if (typeof value !== 'object' || value === null) return value;
  if (!Array.isArray(value)) return isWireObject(value) ? toRef(value[OBJECT_KEY], value.className) : value;
  return value.map((v: unknown) => (isWireObject(v) ? toRef(v[OBJECT_KEY], v.className) : v));
}

/** The guest wrote into `&mut [T]` arguments on another thread: the caller's arrays get its writes. */
export function applyWriteBack(args: readonly unknown[], response: CallResponse): void {
  if (!response.ok || !response.writeBack) return;
  for (const [index, written] of response.writeBack) {
    const original = args[index];
    if (ArrayBuffer.isView(original) && original.byteLength === written.byteLength) {
      new Uint8Array(original.buffer, original.byteOffset, original.byteLength).set(
        new Uint8Array(written.buffer, written.byteOffset, written.byteLength),
      );
    }
  }
}

/**
 * Runs a JS function argument for a guest blocked in a call on another thread, and says how it
 * went in a form that thread can receive. The guest waits synchronously, so a Promise cannot be
 * its answer.
 */
export function runCallback(fn: Callback | undefined, args: unknown[]): CallbackReply {
  if (!fn) {
    return { ok: false, message: 'the callback was called after the call that passed it had finished; callbacks are only valid during their call' };
  }
  try {
    const value = fn(...args);
    return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
      ? { ok: false, message: 'the callback returned a Promise; in pool mode a guest waits for callbacks synchronously, so return a value' }
      : { ok: true, value };
  } catch (error) {
    return { ok: false, message: `the callback threw: ${(error as Error)?.message ?? String(error)}` };
  }
}
