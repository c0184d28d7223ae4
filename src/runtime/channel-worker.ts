// The worker's end of its shared-memory channel (channel-layout.ts): takes calls out of the
// ring, writes answers into it, and bumps the pool's signal so the pool learns of them without a
// message per answer. Between calls it spins a little before it sleeps: a call that follows soon
// after then costs a cache line moving between cores, not an OS thread wake-up.

import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { NO_FIT, SlotCodec } from './channel-codec.js';
import type { CallPortMessage, ChannelEnds } from './channel-caller.js';
import * as layout from './channel-layout.js';
import type { CallTargetKey } from './channel-layout.js';
import type { GlueShape } from './glue-shape.js';
import type { CallResponse, ReleaseRequest, WorkerRequest } from './protocol.js';

// Copied into module constants once: a worker started from source loads this file through a
// CommonJS transform, where every read of an imported binding is a getter call, and the idle
// loop below reads them millions of times.
const {
  CALL_HEADER, CALLS_WRITTEN, CONTROL_INTS, FLAG_ON_PORT, FLAG_RELEASED, RELEASE_TARGET, RESULT_HEADER, RESULTS_WRITTEN, SLOT_BYTES,
  WORKER_ASLEEP, ANSWERS, RESULTS_READ, POOL_WAITING, PREEMPTED_MS, SPIN_ALLOWED, callSlot, callTargets, classNames, resultSlot,
} = layout;

/**
 * How long a worker keeps looking for the next call before it sleeps: longer than the pool
 * takes to learn of an answer through the event loop (~40 µs here), so a caller that awaits
 * one call and makes the next still finds the thread awake.
 */
const SPIN_MS = 0.1;
/**
 * Until the pool has read its answers, the worker spins this long at most before the SPIN_MS
 * above starts. The pool may take milliseconds to wake for an answer (its event loop was busy,
 * or, on a virtual machine, its idle virtual CPU was halted and the host was slow to run it
 * again); a worker that had gone to sleep meanwhile would make the next call pay a second
 * wake-up of the same kind. Measured here: such wake-ups cost 0.3 to 7 ms now and then, and a
 * loop of awaited calls fell into paying two per call for tens of milliseconds.
 */
const UNREAD_SPIN_MAX_MS = 1;
/** A worker found descheduled while it spun (PREEMPTED_MS) does not spin for this long. */
const CONTENDED_MS = 2;

export class ServeChannel {
  readonly #control: Int32Array;
  readonly #codec: SlotCodec;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  readonly #targets: CallTargetKey[];
  #bulk: SharedArrayBuffer | undefined;
  #taken = 0;
  #answered = 0;
  /** No spinning before this time: the thread was found without a core while it spun. */
  #noSpinUntil = 0;

  constructor(ends: ChannelEnds, shape: GlueShape) {
    this.#control = new Int32Array(ends.ring, 0, CONTROL_INTS);
    this.#codec = new SlotCodec(ends.ring, classNames(shape));
    this.#port = ends.port;
    this.#signal = new Int32Array(ends.signal);
    this.#targets = callTargets(shape);
  }

  /** The next call, or undefined when the ring is empty. */
  take(): WorkerRequest | undefined {
    if (this.#taken === Atomics.load(this.#control, CALLS_WRITTEN)) return undefined;
    const base = callSlot(this.#taken++);
    const view = this.#codec.view;
    const id = view.getUint32(base, true);
    const targetIndex = view.getUint16(base + 4, true);
    const flags = view.getUint8(base + 6);
    const argCount = view.getUint8(base + 7);
    const objectId = view.getUint32(base + 8, true);
    let fromPort: CallPortMessage | undefined;
    if (flags & FLAG_ON_PORT) {
      fromPort = receiveMessageOnPort(this.#port)!.message as CallPortMessage;
      if (fromPort.bulk) this.#bulk = fromPort.bulk;
    }
    let args = fromPort?.args;
    if (!args) {
      this.#codec.pos = base + CALL_HEADER;
      args = new Array(argCount);
      for (let i = 0; i < argCount; i++) args[i] = this.#codec.read(this.#bulk);
    }
    if (targetIndex === RELEASE_TARGET) return { type: 'release', objectIds: args as number[] } satisfies ReleaseRequest;
    if (fromPort?.spec) return { ...fromPort.spec, type: 'call', id };
    const target = this.#targets[targetIndex]!;
    return { type: 'call', id, op: target.op, name: target.name, className: target.className, objectId: objectId || undefined, args };
  }

  /** Answers a release: the pool only counts it. */
  released(): void {
    this.#codec.view.setUint8(resultSlot(this.#answered) + 4, FLAG_RELEASED);
    this.#publish();
  }

  /**
   * Writes an answer: in the slot when its value has a slot form, else over the port (transferring
   * `transfer`). `post` is how the port message is sent, so the caller keeps its clone fallbacks.
   */
  answer(response: CallResponse, transfer: ArrayBuffer[], post: (port: MessagePort, response: CallResponse, transfer: ArrayBuffer[]) => void): void {
    const base = resultSlot(this.#answered);
    const view = this.#codec.view;
    let inSlot = response.ok && !response.writeBack && !this.#inBulk(response.value);
    if (inSlot && response.ok) {
      inSlot = this.#codec.write(response.value, base + RESULT_HEADER, base + SLOT_BYTES) !== NO_FIT;
    }
    if (!inSlot) post(this.#port, this.#detachedFromBulk(response), transfer);
    view.setUint32(base, response.id, true);
    view.setUint8(base + 4, inSlot ? 0 : FLAG_ON_PORT);
    view.setFloat64(base + 8, response.runMs, true);
    this.#publish();
  }

  /**
   * Spins (when allowed) until the pool has read this thread's answers and for a moment after,
   * then sleeps until the pool writes a call (or the thread is ended).
   */
  idle(): void {
    const written = this.#taken;
    const started = performance.now();
    let now = started;
    let spinning = Atomics.load(this.#control, SPIN_ALLOWED) === 1 && started >= this.#noSpinUntil;
    let until = started + SPIN_MS;
    let unread = true; // the pool has not read every answer yet
    while (spinning) {
      const moved = Atomics.load(this.#control, CALLS_WRITTEN) !== written;
      const last = now;
      now = performance.now();
      if (now - last > PREEMPTED_MS) {
        // Descheduled in the middle of the loop (a call may have come meanwhile): the cores are
        // wanted by threads with work, the pool's own among them.
        this.#noSpinUntil = now + CONTENDED_MS;
        spinning = false;
      }
      if (moved) return;
      if (unread && (Atomics.load(this.#control, RESULTS_READ) === this.#answered || now - started > UNREAD_SPIN_MAX_MS)) {
        unread = false;
        until = now + SPIN_MS;
      }
      if (!unread && now > until) spinning = false;
    }
    Atomics.store(this.#control, WORKER_ASLEEP, 1);
    // Checked again after saying so: a call written just before would get no notify.
    if (Atomics.load(this.#control, CALLS_WRITTEN) === written) Atomics.wait(this.#control, CALLS_WRITTEN, written);
    Atomics.store(this.#control, WORKER_ASLEEP, 0);
  }

  #publish(): void {
    this.#answered++;
    Atomics.store(this.#control, RESULTS_WRITTEN, this.#answered);
    Atomics.add(this.#signal, ANSWERS, 1);
    // A notify costs a lock even with nobody waiting; the pool says when it waits.
    if (Atomics.load(this.#signal, POOL_WAITING) === 1) Atomics.notify(this.#signal, ANSWERS);
  }

  #inBulk(value: unknown): boolean {
    return this.#bulk !== undefined && ArrayBuffer.isView(value) && value.buffer === this.#bulk;
  }

  /** A result that is a view of the bulk area (the argument handed back) must not share it. */
  #detachedFromBulk(response: CallResponse): CallResponse {
    if (!response.ok || !this.#inBulk(response.value)) return response;
    const view = response.value as Uint8Array;
    return { ...response, value: view.slice() };
  }
}
