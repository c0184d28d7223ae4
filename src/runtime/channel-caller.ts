// The pool's end of one thread's shared-memory channel (channel-layout.ts): writes calls into
// the ring, reads answers out of it, and wakes the worker when it sleeps. What falls back to
// structured clone goes over the port beside the ring, in the same order as the slots.

import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { BulkArea, bulkBytes } from './big-buffers.js';
import { NO_FIT, SlotCodec, typedKind } from './channel-codec.js';
import {
  CALL_HEADER, CALLS_WRITTEN, CONTROL_INTS, FLAG_ON_PORT, FLAG_RELEASED, RELEASE_TARGET, RESULT_HEADER, RESULTS_READ, RESULTS_WRITTEN,
  RING_BYTES, SLOT_BYTES, SLOTS, SPIN_ALLOWED, WORKER_ASLEEP, callSlot, callTargets, classNames, resultSlot, targetKey,
} from './channel-layout.js';
import type { GlueShape } from './glue-shape.js';
import type { CallResponse, CallSpec } from './protocol.js';

/** What the worker needs of the channel, posted in its workerData (the port transferred). */
export interface ChannelEnds {
  ring: SharedArrayBuffer;
  port: MessagePort;
  /** The pool's "answers written" counter, shared by its threads: the pool waits on it. */
  signal: SharedArrayBuffer;
}

/**
 * A call's port message: the arguments that have no slot form, a bulk area new to the worker,
 * and the whole call when the slot cannot name its target.
 */
export interface CallPortMessage {
  args?: unknown[];
  bulk?: SharedArrayBuffer;
  spec?: CallSpec;
}

/** Targets the slot cannot name (not in the shape): the call goes whole over the port. */
const TARGET_ON_PORT = 0xfffe;

export class CallChannel {
  readonly #control: Int32Array;
  readonly #codec: SlotCodec;
  readonly #port: MessagePort;
  readonly #targets: Map<string, number>;
  /** Free functions by name alone: the common case, looked up without building a key. */
  readonly #functions: Map<string, number>;
  readonly #bulk = new BulkArea();
  readonly ends: ChannelEnds;
  /** Calls written and not yet answered; kept here so the hot path reads no shared memory. */
  #written = 0;
  #read = 0;
  /** Calls written since the worker was last woken. */
  #unsignalled = 0;
  /** The SPIN_ALLOWED flag as last written (the ring starts zeroed: no spinning). */
  #spinAllowed = false;

  constructor(shape: GlueShape, signal: SharedArrayBuffer) {
    const ring = new SharedArrayBuffer(RING_BYTES);
    const { port1, port2 } = new MessageChannel();
    this.#control = new Int32Array(ring, 0, CONTROL_INTS);
    this.#codec = new SlotCodec(ring, classNames(shape));
    this.#port = port1;
    const targets = callTargets(shape);
    this.#targets = new Map(targets.map((t, index) => [targetKey(t.op, t.name, t.className), index]));
    this.#functions = new Map(targets.flatMap((t, index) => (t.op === 'call' ? [[t.name, index] as const] : [])));
    this.ends = { ring, port: port2, signal };
  }

  /** Calls written and not yet answered. */
  get unanswered(): number {
    return this.#written - this.#read;
  }

  get hasRoom(): boolean {
    return this.#written - this.#read < SLOTS;
  }

  /** Lets the worker spin for its next call between calls, or makes it sleep at once. */
  set spinAllowed(allowed: boolean) {
    // Written only when it changes: the worker reads this cache line between calls, and a
    // store on every call would take the line from its core each time.
    if (allowed === this.#spinAllowed) return;
    this.#spinAllowed = allowed;
    Atomics.store(this.#control, SPIN_ALLOWED, allowed ? 1 : 0);
  }

  /** The worker is asleep in Atomics.wait, so an answer needs a wake-up first. */
  get workerAsleep(): boolean {
    return Atomics.load(this.#control, WORKER_ASLEEP) === 1;
  }

  /**
   * Writes a call into the next slot (the caller checked hasRoom). Throws, having published
   * nothing, when its arguments cannot be cloned either. `mutated` are the arguments the guest
   * writes into: they never go into the shared bulk area, whose bytes the next call overwrites.
   */
  writeCall(id: number, spec: CallSpec, transfer: readonly ArrayBuffer[], mutated: readonly number[]): void {
    const base = callSlot(this.#written);
    const view = this.#codec.view;
    const target = spec.op === 'call' ? this.#functions.get(spec.name) : this.#targets.get(targetKey(spec.op, spec.name, spec.className));
    const portMessage: CallPortMessage = {};
    // Buffers the caller marked with transfer() move with the message: no copy at all.
    let fits = target !== undefined && transfer.length === 0 && spec.args.length < 256;
    let pos = base + CALL_HEADER;
    const end = base + SLOT_BYTES;
    if (fits) {
      const bulkArgs = this.#claimBulk(id, spec.args, mutated);
      for (let i = 0; i < spec.args.length && fits; i++) {
        const arg = spec.args[i];
        pos = bulkArgs?.has(i) ? this.#codec.writeBulk(this.#bulk.place(arg as ArrayBufferView), pos, end) : this.#codec.write(arg, pos, end);
        fits = pos !== NO_FIT;
      }
      if (!fits && bulkArgs) this.#bulk.release(id);
    }
    if (!fits) portMessage.args = spec.args;
    const bulk = this.#bulk.takeUnsent();
    if (bulk) portMessage.bulk = bulk;
    const onPort = portMessage.args !== undefined || bulk !== undefined;
    if (onPort) {
      try {
        // A target the slot cannot name travels as the whole spec, so the worker still answers it.
        this.#port.postMessage(target === undefined ? { ...portMessage, spec } : portMessage, transfer as ArrayBuffer[]);
      } catch (error) {
        if (bulk) this.#bulk.keepUnsent(bulk);
        this.#bulk.release(id);
        throw error;
      }
    }
    view.setUint32(base, id, true);
    view.setUint16(base + 4, target ?? TARGET_ON_PORT, true);
    view.setUint8(base + 6, onPort ? FLAG_ON_PORT : 0);
    view.setUint8(base + 7, fits ? spec.args.length : 0);
    view.setUint32(base + 8, spec.objectId ?? 0, true);
    this.#publish();
  }

  /** Frees objects in the instance, in order with the calls around it; answered with a bare slot. */
  writeRelease(objectIds: readonly number[]): void {
    const base = callSlot(this.#written);
    const view = this.#codec.view;
    let pos = base + CALL_HEADER;
    const inSlot = objectIds.length < 200;
    if (inSlot) for (const objectId of objectIds) pos = this.#codec.write(objectId, pos, base + SLOT_BYTES);
    else this.#port.postMessage({ args: [...objectIds] } satisfies CallPortMessage);
    view.setUint32(base, 0, true);
    view.setUint16(base + 4, RELEASE_TARGET, true);
    view.setUint8(base + 6, inSlot ? 0 : FLAG_ON_PORT);
    view.setUint8(base + 7, inSlot ? objectIds.length : 0);
    this.#publish();
  }

  /** Wakes the worker if it sleeps and calls were written since the last wake. */
  signal(): void {
    if (this.#unsignalled === 0) return;
    this.#unsignalled = 0;
    if (Atomics.load(this.#control, WORKER_ASLEEP) === 1) Atomics.notify(this.#control, CALLS_WRITTEN);
  }

  /** The next answer, if the worker has written one; undefined for a release's bare slot. */
  readResult(): CallResponse | 'released' | undefined {
    if (this.#read === Atomics.load(this.#control, RESULTS_WRITTEN)) return undefined;
    const base = resultSlot(this.#read);
    const view = this.#codec.view;
    const flags = view.getUint8(base + 4);
    let response: CallResponse | 'released';
    if (flags & FLAG_RELEASED) {
      response = 'released';
    } else if (flags & FLAG_ON_PORT) {
      response = receiveMessageOnPort(this.#port)!.message as CallResponse;
    } else {
      const id = view.getUint32(base, true);
      const runMs = view.getFloat64(base + 8, true);
      this.#codec.pos = base + RESULT_HEADER;
      response = { type: 'result', id, ok: true, value: this.#codec.read(), runMs };
    }
    if (response !== 'released') this.#bulk.release(response.id);
    this.#read++;
    Atomics.store(this.#control, RESULTS_READ, this.#read);
    return response;
  }

  /** The thread is gone: no answer will come for what was written, and the port is closed. */
  close(): void {
    this.#port.close();
  }

  #publish(): void {
    this.#written++;
    this.#unsignalled++;
    Atomics.store(this.#control, CALLS_WRITTEN, this.#written);
  }

  /** Which arguments go into the bulk area: typed arrays too big for a slot, if the area is free. */
  #claimBulk(id: number, args: readonly unknown[], mutated: readonly number[]): Set<number> | undefined {
    let bytes = 0;
    let chosen: Set<number> | undefined;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (!ArrayBuffer.isView(arg) || arg.byteLength <= SLOT_BYTES / 4 || typedKind(arg) === undefined || mutated.includes(i)) continue;
      // Already shared memory: it crosses by reference over the port, with no copy at all.
      if (arg.buffer instanceof SharedArrayBuffer) continue;
      (chosen ??= new Set()).add(i);
      bytes += bulkBytes(arg);
    }
    if (!chosen || !this.#bulk.claim(id, bytes)) return undefined;
    return chosen;
  }
}
