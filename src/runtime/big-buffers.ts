// Big typed-array arguments of pooled calls, without a second copy. Structured clone copies a
// buffer twice (into the message, and out of it into a fresh buffer on the worker) and pays for
// fresh pages each time; here the caller copies it once into a SharedArrayBuffer that belongs to
// the thread and is reused call after call, and the guest's glue reads it straight from there
// into wasm memory, exactly as the inline call copies from the caller's array. So a pooled call
// costs one memcpy more than the inline one. Results need nothing of this: the glue returns a
// fresh buffer, which the worker transfers back without copying.
//
// One call at a time holds the area; a big argument that finds it held goes by structured clone.

import { typedKind, type BulkPlacement } from './channel-codec.js';

/** Smallest area, so small big buffers do not reallocate it again and again. */
const MIN_BYTES = 1 << 20;
/** Above this an argument goes by structured clone: the area would pin too much memory. */
const MAX_BYTES = 1 << 30;

export class BulkArea {
  #buffer: SharedArrayBuffer | undefined;
  /** A buffer the worker has not been sent yet (it travels with the next port message). */
  #unsent: SharedArrayBuffer | undefined;
  #holder: number | undefined;
  #used = 0;

  /** Reserves `byteLength` bytes for call `callId`; false when another call holds the area. */
  claim(callId: number, byteLength: number): boolean {
    if (this.#holder !== undefined || byteLength > MAX_BYTES) return false;
    if (!this.#buffer || this.#buffer.byteLength < byteLength) {
      let size = MIN_BYTES;
      while (size < byteLength) size *= 2;
      this.#buffer = new SharedArrayBuffer(size);
      this.#unsent = this.#buffer;
    }
    this.#holder = callId;
    this.#used = 0;
    return true;
  }

  /** Copies `value` into the claimed area; where it went, for the slot. */
  place(value: ArrayBufferView): BulkPlacement {
    const offset = this.#used;
    new Uint8Array(this.#buffer!, offset, value.byteLength).set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    // 8-byte aligned, so a Float64Array or BigInt64Array view can start at the next one.
    this.#used = offset + ((value.byteLength + 7) & ~7);
    return { kind: typedKind(value)!, offset, byteLength: value.byteLength };
  }

  /** The call that held the area was answered (or will never be): the next may use it. */
  release(callId: number): void {
    if (this.#holder === callId) this.#holder = undefined;
  }

  /** A new area the worker must receive before it reads the slot that uses it. */
  takeUnsent(): SharedArrayBuffer | undefined {
    const unsent = this.#unsent;
    this.#unsent = undefined;
    return unsent;
  }

  /** Puts back an area whose message could not be sent. */
  keepUnsent(buffer: SharedArrayBuffer): void {
    this.#unsent = buffer;
  }
}

/** Bytes a big argument takes in the area, aligned as place() lays them out. */
export function bulkBytes(value: ArrayBufferView): number {
  return (value.byteLength + 7) & ~7;
}
