// The shared-memory channel between the pool and one worker thread: what lives where in its
// SharedArrayBuffer, and the numbering of call targets both sides derive from the glue's shape.
//
// Layout: a control block of Int32 counters, then SLOTS call slots (pool -> worker), then SLOTS
// result slots (worker -> pool). Call n uses call slot n % SLOTS and its answer result slot
// n % SLOTS. The pool never has more than SLOTS calls unanswered on a thread, so a slot is only
// rewritten after the pool has read the answer that used it. Values that have no slot form go
// by structured clone over a MessagePort beside the ring; the slot then says so (FLAG_ON_PORT),
// and since the port message is posted before the slot is published, the reader finds it with
// receiveMessageOnPort at once.

import type { CallOp } from './protocol.js';
import type { GlueShape } from './glue-shape.js';

export const SLOTS = 128;
export const SLOT_BYTES = 2048;
/**
 * Each counter has a cache line of its own: the two threads write different counters at the
 * same time, and counters sharing a line would make every write take the line from the other
 * core (false sharing).
 */
const LINE = 16; // Int32s in a 64-byte cache line
export const CONTROL_INTS = 5 * LINE;
const CONTROL_BYTES = CONTROL_INTS * 4;

/** Int32 indices into the control block. */
export const CALLS_WRITTEN = 0;
export const RESULTS_WRITTEN = LINE;
export const RESULTS_READ = 2 * LINE;
/** 1 while the worker sleeps in Atomics.wait: the pool must notify to wake it. */
export const WORKER_ASLEEP = 3 * LINE;
/** 1 when the worker may spin between calls (PoolWorker.decideSpinning says when). */
export const SPIN_ALLOWED = 4 * LINE;

/**
 * A spinning thread (the pool's or a worker) that sees the clock jump this far between two turns
 * of its loop was descheduled: more threads want to run than there are cores (garbage
 * collection, other pools, other processes), and its spinning takes a core from one with work.
 * It stops spinning for a while. Measured here: with the main heap's concurrent collector
 * running, a burst of 1000 calls took 10-12 ms with both sides spinning for each other, 4-6 ms
 * with this rule. Well above the pauses a virtual machine adds on its own (tens of µs): at
 * 0.02 ms the rule fired without contention, and the sleeping worker then cost a wake-up of
 * ~100 µs per call.
 */
export const PREEMPTED_MS = 0.2;

/** Int32 indices into the pool's signal, shared by all its threads: answers written, and 1 while the pool waits for them. */
export const ANSWERS = 0;
export const POOL_WAITING = LINE;
export const SIGNAL_BYTES = 2 * LINE * 4;

export const RING_BYTES = CONTROL_BYTES + 2 * SLOTS * SLOT_BYTES;

export function callSlot(sequence: number): number {
  return CONTROL_BYTES + (sequence % SLOTS) * SLOT_BYTES;
}
export function resultSlot(sequence: number): number {
  return CONTROL_BYTES + (SLOTS + (sequence % SLOTS)) * SLOT_BYTES;
}

// A call slot: [0] u32 call id, [4] u16 target, [6] u8 flags, [7] u8 argument count,
// [8] u32 object id (methods, properties, free), [12] the arguments.
export const CALL_HEADER = 12;
// A result slot: [0] u32 call id, [4] u8 flags, [8] f64 run time in ms, [16] the value.
export const RESULT_HEADER = 16;

/** The arguments (call) or the whole response (result) are the next message on the port. */
export const FLAG_ON_PORT = 1;
/** A result slot that answers a release: the pool only counts it. */
export const FLAG_RELEASED = 4;

/** The target number of a release of objects; its arguments are the object ids. */
export const RELEASE_TARGET = 0xffff;

export interface CallTargetKey {
  op: CallOp;
  name: string;
  className?: string;
}

/**
 * Every call target the glue has, numbered in one order both sides compute from the same
 * shape, so a slot names its target with two bytes instead of strings.
 */
export function callTargets(shape: GlueShape): CallTargetKey[] {
  const targets: CallTargetKey[] = Object.keys(shape.functions).map((name) => ({ op: 'call', name }));
  for (const [className, info] of Object.entries(shape.classes)) {
    targets.push({ op: 'construct', name: className, className }, { op: 'free', name: className, className });
    for (const name of Object.keys(info.statics)) targets.push({ op: 'static', name, className });
    for (const name of Object.keys(info.methods)) targets.push({ op: 'method', name, className });
    for (const name of info.getters) targets.push({ op: 'get', name, className });
    for (const name of info.setters) targets.push({ op: 'set', name, className });
  }
  return targets;
}

export function targetKey(op: CallOp, name: string, className: string | undefined): string {
  return `${op}\u0000${className ?? ''}\u0000${name}`;
}

export function classNames(shape: GlueShape): string[] {
  return Object.keys(shape.classes);
}
