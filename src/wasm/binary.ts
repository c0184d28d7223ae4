// The WebAssembly binary format at the level of bytes, LEB128 integers, names and sections:
// the one reader and writer under every module inspection and rewrite in offload (memory
// limits, the grow probe, program checks), so each of them reads a module the same way.

/** A module this reader cannot read: malformed, or using something it does not know. */
export class WasmFormatError extends Error {}

export const SectionId = {
  Custom: 0,
  Type: 1,
  Import: 2,
  Function: 3,
  Table: 4,
  Memory: 5,
  Global: 6,
  Export: 7,
  Start: 8,
  Element: 9,
  Code: 10,
  Data: 11,
  DataCount: 12,
  Tag: 13,
} as const;

/** The order the binary format requires of the known sections (custom sections go anywhere). */
export const SECTION_ORDER: readonly number[] = [
  SectionId.Type, SectionId.Import, SectionId.Function, SectionId.Table, SectionId.Memory,
  SectionId.Tag, SectionId.Global, SectionId.Export, SectionId.Start, SectionId.Element,
  SectionId.DataCount, SectionId.Code, SectionId.Data,
];

/** The kinds of an import or export. */
export const External = { Function: 0x00, Table: 0x01, Memory: 0x02, Global: 0x03, Tag: 0x04 } as const;

const utf8Decoder = new TextDecoder();

/** A cursor over `bytes[start, end)`; every read past `end` throws WasmFormatError. */
export class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`truncated at byte ${this.pos}`);
    return this.bytes[this.pos++] as number;
  }

  u32(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
      if (shift >= 35) throw new WasmFormatError(`over-long LEB128 at byte ${this.pos}`);
    }
  }

  /** Skips any LEB128 (signed or not, up to 64 bits): every byte but the last has bit 7 set. */
  skipLeb(): void {
    const limit = this.pos + 10;
    while (this.byte() & 0x80) {
      if (this.pos >= limit) throw new WasmFormatError(`over-long LEB128 at byte ${this.pos}`);
    }
  }

  skip(count: number): void {
    if (this.pos + count > this.end) throw new WasmFormatError(`truncated at byte ${this.pos}`);
    this.pos += count;
  }

  name(): string {
    const length = this.u32();
    const start = this.pos;
    this.skip(length);
    return utf8Decoder.decode(this.bytes.subarray(start, this.pos));
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }
}

export function writeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let b = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) b |= 0x80;
    out.push(b);
  } while (rest > 0);
  return out;
}

export function writeName(name: string): number[] {
  const utf8 = new TextEncoder().encode(name);
  return [...writeU32(utf8.length), ...utf8];
}

export interface Section {
  id: number;
  /** The section's id byte. */
  headerStart: number;
  /** First byte of the section's contents (after its id and size). */
  start: number;
  end: number;
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** The module's sections in order; throws WasmFormatError for anything but a core wasm 1.0 module. */
export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC_AND_VERSION.some((b, i) => bytes[i] !== b)) {
    throw new WasmFormatError('not a WebAssembly 1.0 binary (bad magic number or version)');
  }
  const out: Section[] = [];
  const r = new Reader(bytes, 8, bytes.length);
  while (!r.atEnd) {
    const headerStart = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    if (id !== SectionId.Custom && !SECTION_ORDER.includes(id)) throw new WasmFormatError(`unknown section id ${id}`);
    out.push({ id, headerStart, start, end: r.pos });
  }
  return out;
}

/** A memory's or table's limits, where they sit in the module, and their flags. */
export interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
  memory64: boolean;
  /** Flag 0x02: a shared memory (threads). */
  shared: boolean;
  /** Byte offsets of the limits (flags byte included) inside the module. */
  start: number;
  end: number;
}

export function readLimits(r: Reader): Limits {
  const start = r.pos;
  const flags = r.byte();
  if (flags & ~0x0f) throw new WasmFormatError(`unknown limits flags 0x${flags.toString(16)}`);
  const memory64 = (flags & 0x04) !== 0;
  // A memory64 bound may not fit a u32; it is skipped, and such a memory cannot be capped.
  const bound = (): number => {
    if (!memory64) return r.u32();
    r.skipLeb();
    return Number.NaN;
  };
  const min = bound();
  const max = flags & 0x01 ? bound() : undefined;
  if (flags & 0x08) r.skipLeb(); // custom page size (log2)
  return { flags, min, max, memory64, shared: (flags & 0x02) !== 0, start, end: r.pos };
}

/** The i32 value type. */
export const I32 = 0x7f;
export const REF_NULLABLE = 0x63;
export const REF_NON_NULL = 0x64;

/** A value type: one byte, or (typed references) 0x63/0x64 followed by a heap type. */
export function skipValueType(r: Reader): void {
  const b = r.byte();
  if (b === REF_NULLABLE || b === REF_NON_NULL) r.skipLeb();
}
