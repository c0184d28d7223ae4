// How values are written into a slot of the shared-memory channel (channel-layout.ts), the
// same on both sides. Only the kinds that most calls carry have a slot form: numbers, bigints
// that fit 64 bits, booleans, undefined, null, short strings, small typed arrays, and the
// markers for objects and callbacks (protocol.ts). Anything else, or anything too big for the
// slot, makes `write` answer NO_FIT, and the caller sends the value by structured clone instead.

import { CALLBACK_KEY, OBJECT_KEY, REF_KEY } from './protocol.js';

const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Number = 4,
  BigInt64 = 5,
  BigUint64 = 6,
  String = 7,
  Typed = 8,
  Ref = 9,
  Callback = 10,
  Object = 11,
  /** A typed array placed in the thread's bulk area (big-buffers.ts), not in the slot. */
  Bulk = 12,
}

/** `write` could not place the value: not a slot kind, or not enough room left. */
export const NO_FIT = -1;

type TypedArrayClass = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => ArrayBufferView;
/** The typed-array classes by the index written for them. DataView is not among them. */
const TYPED: TypedArrayClass[] = [
  Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
] as unknown as TypedArrayClass[];
const TYPED_INDEX = new Map<unknown, number>(TYPED.map((cls, index) => [cls, index]));

const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

/** A typed array in the bulk area: where it is, for the reading side. */
export interface BulkPlacement {
  kind: number;
  offset: number;
  byteLength: number;
}

export function typedKind(value: ArrayBufferView): number | undefined {
  return TYPED_INDEX.get(value.constructor);
}

/** Reads and writes slot values over one shared buffer; `pos` is the reader's cursor. */
export class SlotCodec {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  /** Class names by index (the same list on both sides, from the shape), for returned objects. */
  readonly #classNames: readonly string[];
  readonly #classIndex: Map<string, number>;
  pos = 0;

  constructor(buffer: SharedArrayBuffer, classNames: readonly string[]) {
    this.#view = new DataView(buffer);
    this.#bytes = new Uint8Array(buffer);
    this.#classNames = classNames;
    this.#classIndex = new Map(classNames.map((name, index) => [name, index]));
  }

  get view(): DataView {
    return this.#view;
  }

  /** Writes `value` at `pos`; the position after it, or NO_FIT (nothing meaningful was written). */
  write(value: unknown, pos: number, end: number): number {
    const view = this.#view;
    switch (typeof value) {
      case 'undefined':
        return this.#tag(Tag.Undefined, pos, end);
      case 'boolean':
        return this.#tag(value ? Tag.True : Tag.False, pos, end);
      case 'number':
        if (pos + 9 > end) return NO_FIT;
        view.setUint8(pos, Tag.Number);
        view.setFloat64(pos + 1, value, true);
        return pos + 9;
      case 'bigint': {
        if (pos + 9 > end || value < I64_MIN || value > U64_MAX) return NO_FIT;
        if (value < 0n || value < 2n ** 63n) {
          view.setUint8(pos, Tag.BigInt64);
          view.setBigInt64(pos + 1, value, true);
        } else {
          view.setUint8(pos, Tag.BigUint64);
          view.setBigUint64(pos + 1, value, true);
        }
        return pos + 9;
      }
      case 'string':
        return this.#string(value, pos, end);
      case 'object':
        if (value === null) return this.#tag(Tag.Null, pos, end);
        if (ArrayBuffer.isView(value)) return this.#typed(value, pos, end);
        return this.#marker(value as Record<string, unknown>, pos, end);
      default:
        return NO_FIT;
    }
  }

  /** Writes the slot form of a typed array that was copied into the bulk area. */
  writeBulk(placement: BulkPlacement, pos: number, end: number): number {
    if (pos + 10 > end) return NO_FIT;
    const view = this.#view;
    view.setUint8(pos, Tag.Bulk);
    view.setUint8(pos + 1, placement.kind);
    view.setUint32(pos + 2, placement.offset, true);
    view.setUint32(pos + 6, placement.byteLength, true);
    return pos + 10;
  }

  /** Reads the value at `pos` and moves `pos` past it. `bulk` is the thread's bulk area, if any. */
  read(bulk?: SharedArrayBuffer): unknown {
    const view = this.#view;
    const pos = this.pos;
    const tag = view.getUint8(pos) as Tag;
    this.pos = pos + 1;
    switch (tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Number:
        this.pos = pos + 9;
        return view.getFloat64(pos + 1, true);
      case Tag.BigInt64:
        this.pos = pos + 9;
        return view.getBigInt64(pos + 1, true);
      case Tag.BigUint64:
        this.pos = pos + 9;
        return view.getBigUint64(pos + 1, true);
      case Tag.String: {
        const length = view.getUint32(pos + 1, true);
        const start = align2(pos + 5);
        this.pos = start + length * 2;
        return decodeUtf16(new Uint16Array(view.buffer, start, length));
      }
      case Tag.Typed: {
        const kind = view.getUint8(pos + 1);
        const byteLength = view.getUint32(pos + 2, true);
        const start = pos + 6;
        this.pos = start + byteLength;
        // A fresh buffer of its own: the slot is reused once this call is answered.
        const copy = new ArrayBuffer(byteLength);
        new Uint8Array(copy).set(this.#bytes.subarray(start, start + byteLength));
        return viewOf(kind, copy, 0, byteLength);
      }
      case Tag.Ref:
        this.pos = pos + 5;
        return { [REF_KEY]: view.getUint32(pos + 1, true) };
      case Tag.Callback:
        this.pos = pos + 5;
        return { [CALLBACK_KEY]: view.getUint32(pos + 1, true) };
      case Tag.Object:
        this.pos = pos + 7;
        return { [OBJECT_KEY]: view.getUint32(pos + 1, true), className: this.#classNames[view.getUint16(pos + 5, true)] };
      case Tag.Bulk: {
        if (!bulk) throw new Error('a bulk argument arrived before its bulk area');
        this.pos = pos + 10;
        return viewOf(view.getUint8(pos + 1), bulk, view.getUint32(pos + 2, true), view.getUint32(pos + 6, true));
      }
      default:
        throw new Error(`unknown channel tag ${tag as number}`);
    }
  }

  #tag(tag: Tag, pos: number, end: number): number {
    if (pos + 1 > end) return NO_FIT;
    this.#view.setUint8(pos, tag);
    return pos + 1;
  }

  #string(value: string, pos: number, end: number): number {
    const start = align2(pos + 5);
    if (start + value.length * 2 > end) return NO_FIT;
    this.#view.setUint8(pos, Tag.String);
    this.#view.setUint32(pos + 1, value.length, true);
    const units = new Uint16Array(this.#view.buffer, start, value.length);
    for (let i = 0; i < value.length; i++) units[i] = value.charCodeAt(i);
    return start + value.length * 2;
  }

  #typed(value: ArrayBufferView, pos: number, end: number): number {
    const kind = typedKind(value);
    if (kind === undefined || pos + 6 + value.byteLength > end) return NO_FIT;
    this.#view.setUint8(pos, Tag.Typed);
    this.#view.setUint8(pos + 1, kind);
    this.#view.setUint32(pos + 2, value.byteLength, true);
    this.#bytes.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), pos + 6);
    return pos + 6 + value.byteLength;
  }

  /** The wire markers for objects and callbacks; any other object does not fit. */
  #marker(value: Record<string, unknown>, pos: number, end: number): number {
    if (Object.getPrototypeOf(value) !== Object.prototype) return NO_FIT;
    const keys = Object.keys(value);
    const view = this.#view;
    if (keys.length === 1 && (keys[0] === REF_KEY || keys[0] === CALLBACK_KEY) && pos + 5 <= end) {
      view.setUint8(pos, keys[0] === REF_KEY ? Tag.Ref : Tag.Callback);
      view.setUint32(pos + 1, value[keys[0]] as number, true);
      return pos + 5;
    }
    const classIndex = this.#classIndex.get(value.className as string);
    if (keys.length === 2 && typeof value[OBJECT_KEY] === 'number' && classIndex !== undefined && pos + 7 <= end) {
      view.setUint8(pos, Tag.Object);
      view.setUint32(pos + 1, value[OBJECT_KEY], true);
      view.setUint16(pos + 5, classIndex, true);
      return pos + 7;
    }
    return NO_FIT;
  }
}

function align2(pos: number): number {
  return (pos + 1) & ~1;
}

function viewOf(kind: number, buffer: ArrayBufferLike, byteOffset: number, byteLength: number): ArrayBufferView {
  const View = TYPED[kind];
  if (!View) throw new Error(`unknown typed-array kind ${kind}`);
  const unit = (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new View(buffer, byteOffset, byteLength / unit);
}

/** UTF-16 code units back into a string, in chunks (fromCharCode takes its units as arguments). */
function decodeUtf16(units: Uint16Array): string {
  if (units.length <= 4096) return String.fromCharCode.apply(null, units as unknown as number[]);
  let text = '';
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode.apply(null, units.subarray(i, i + 4096) as unknown as number[]);
  return text;
}
