// Rewrites a module so that a failed `memory.grow` leaves a mark the runtime can read after a
// trap. Without it, an `unreachable` trap with no panic message can only be guessed to be out
// of memory; with it, the runtime KNOWS whether the allocator was refused memory.
//
// Every `memory.grow` on memory 0 becomes a call to one added function that grows, and bumps
// an added, exported mutable i32 global when the grow returns -1. Functions and globals are only
// appended, so no existing index (calls, element segments, the name section) changes. Finding
// the real `memory.grow` opcodes needs every instruction decoded (0x40 is also the empty block
// type and a byte of many immediates); an opcode the decoder does not know leaves the module
// untouched, with the reason, rather than risking a wrong rewrite.

/** Name of the exported mutable i32 global counting failed memory.grow since it was last reset. */
export const GROW_FAILURES_EXPORT = '__offload_grow_failures';

const WBINDGEN_START_EXPORT = '__wbindgen_start';

const SectionId = {
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
const SECTION_ORDER: readonly number[] = [
  SectionId.Type, SectionId.Import, SectionId.Function, SectionId.Table, SectionId.Memory,
  SectionId.Tag, SectionId.Global, SectionId.Export, SectionId.Start, SectionId.Element,
  SectionId.DataCount, SectionId.Code, SectionId.Data,
];

const EXTERNAL_FUNCTION = 0x00;
const EXTERNAL_TABLE = 0x01;
const EXTERNAL_MEMORY = 0x02;
const EXTERNAL_GLOBAL = 0x03;
const EXTERNAL_TAG = 0x04;

const I32 = 0x7f;
const FUNC_TYPE_FORM = 0x60;
const OP_CALL = 0x10;
const OP_MEMORY_GROW = 0x40;

/** A module this file cannot rewrite (or read) safely; becomes `reason`, never escapes. */
class UnsupportedModule extends Error {}

// ---- reading ----------------------------------------------------------------------------

const utf8Decoder = new TextDecoder();

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new UnsupportedModule(`truncated at byte ${this.pos}`);
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
      if (shift >= 35) throw new UnsupportedModule(`over-long LEB128 at byte ${this.pos}`);
    }
  }

  /** Skips any LEB128 (signed or not, up to 64 bits): every byte but the last has bit 7 set. */
  skipLeb(): void {
    const limit = this.pos + 10;
    while (this.byte() & 0x80) {
      if (this.pos >= limit) throw new UnsupportedModule(`over-long LEB128 at byte ${this.pos}`);
    }
  }

  skip(count: number): void {
    if (this.pos + count > this.end) throw new UnsupportedModule(`truncated at byte ${this.pos}`);
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

function writeU32(value: number): number[] {
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

function writeName(name: string): number[] {
  const utf8 = new TextEncoder().encode(name);
  return [...writeU32(utf8.length), ...utf8];
}

// ---- types ------------------------------------------------------------------------------

const REF_NULLABLE = 0x63;
const REF_NON_NULL = 0x64;

/** A value type: one byte, or (typed references) 0x63/0x64 followed by a heap type. */
function skipValueType(r: Reader): void {
  const b = r.byte();
  if (b === REF_NULLABLE || b === REF_NON_NULL) r.skipLeb();
}

/** A block type: 0x40 (empty), a value type, or a type index. One s33 LEB covers each of
 *  them, except typed references, whose 0x63/0x64 is followed by a heap type. */
function skipBlockType(r: Reader): void {
  const b = r.bytes[r.pos];
  if (b === REF_NULLABLE || b === REF_NON_NULL) r.pos++;
  r.skipLeb();
}

function skipLimits(r: Reader): { memory64: boolean } {
  const flags = r.byte();
  if (flags & ~0x0f) throw new UnsupportedModule(`unknown limits flags 0x${flags.toString(16)}`);
  r.skipLeb(); // min
  if (flags & 0x01) r.skipLeb(); // max
  if (flags & 0x08) r.skipLeb(); // custom page size (log2)
  return { memory64: (flags & 0x04) !== 0 };
}

// ---- instructions -----------------------------------------------------------------------

function skipMemarg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.skipLeb(); // multi-memory: an explicit memory index follows
  r.skipLeb(); // offset (u64 for memory64)
}

/**
 * Decodes one instruction at r.pos (its opcode byte), leaving r.pos after its immediates.
 * Returns true when it is `memory.grow` on memory 0. Throws UnsupportedModule for an opcode it
 * does not know, since guessing its length would misread everything after it.
 */
function skipInstruction(r: Reader): boolean {
  const op = r.byte();
  // Numeric MVP, sign extension: no immediates. The hottest range, so tested first.
  if (op >= 0x45 && op <= 0xc4) return false;
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0b: case 0x0f: case 0x19: case 0x1a:
    case 0x1b: case 0xd1: case 0xd3: case 0xd5:
      // unreachable nop else throw_ref end return catch_all drop select ref.is_null
      // ref.as_non_null ref.eq
      return false;
    case 0x02: case 0x03: case 0x04: case 0x06: // block loop if try
      skipBlockType(r);
      return false;
    case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x14:
    case 0x15: case 0x18: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x26: case 0x3f: case 0xd0: case 0xd2: case 0xd4: case 0xd6:
      // catch throw rethrow br br_if call return_call call_ref return_call_ref delegate
      // local.* global.* table.get table.set memory.size ref.null ref.func br_on_null
      // br_on_non_null: one LEB immediate
      r.skipLeb();
      return false;
    case 0x11: case 0x13: // call_indirect return_call_indirect: type, table
      r.skipLeb();
      r.skipLeb();
      return false;
    case 0x0e: { // br_table
      const count = r.u32();
      for (let i = 0; i <= count; i++) r.skipLeb();
      return false;
    }
    case 0x1c: { // select t*
      const count = r.u32();
      for (let i = 0; i < count; i++) skipValueType(r);
      return false;
    }
    case 0x1f: { // try_table: block type, then catch clauses
      skipBlockType(r);
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const kind = r.byte();
        if (kind === 0x00 || kind === 0x01) r.skipLeb(); // catch / catch_ref: tag
        else if (kind !== 0x02 && kind !== 0x03) throw new UnsupportedModule(`unknown try_table catch kind 0x${kind.toString(16)}`);
        r.skipLeb(); // label
      }
      return false;
    }
    case OP_MEMORY_GROW:
      return r.u32() === 0;
    case 0x41: case 0x42: // i32.const i64.const
      r.skipLeb();
      return false;
    case 0x43:
      r.skip(4);
      return false;
    case 0x44:
      r.skip(8);
      return false;
    case 0xfc:
      skipMiscInstruction(r);
      return false;
    case 0xfd:
      skipSimdInstruction(r);
      return false;
    case 0xfe:
      skipAtomicInstruction(r);
      return false;
    default:
      if (op >= 0x28 && op <= 0x3e) { // loads and stores
        skipMemarg(r);
        return false;
      }
      throw new UnsupportedModule(`unknown opcode 0x${op.toString(16)} at byte ${r.pos - 1}`);
  }
}

/** 0xFC: saturating truncation, bulk memory, reference-type table ops. */
function skipMiscInstruction(r: Reader): void {
  const sub = r.u32();
  if (sub <= 7) return; // trunc_sat
  switch (sub) {
    case 8: case 10: case 12: case 14: // memory.init memory.copy table.init table.copy
      r.skipLeb();
      r.skipLeb();
      return;
    case 9: case 11: case 13: case 15: case 16: case 17:
      // data.drop memory.fill elem.drop table.grow table.size table.fill
      r.skipLeb();
      return;
    default:
      throw new UnsupportedModule(`unknown opcode 0xfc ${sub} at byte ${r.pos}`);
  }
}

/** 0xFD: SIMD128 and relaxed SIMD. */
function skipSimdInstruction(r: Reader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) { // loads, v128.store, load*_zero
    skipMemarg(r);
  } else if (sub === 12 || sub === 13) { // v128.const, i8x16.shuffle
    r.skip(16);
  } else if (sub >= 21 && sub <= 34) { // extract_lane / replace_lane
    r.skip(1);
  } else if (sub >= 84 && sub <= 91) { // load*_lane / store*_lane
    skipMemarg(r);
    r.skip(1);
  } else if (sub > 0xff && !(sub >= 0x100 && sub <= 0x113)) { // past SIMD128 and relaxed SIMD
    throw new UnsupportedModule(`unknown opcode 0xfd ${sub} at byte ${r.pos}`);
  }
}

/** 0xFE: threads (atomic memory accesses, wait/notify, fence). */
function skipAtomicInstruction(r: Reader): void {
  const sub = r.u32();
  if (sub === 0x03) { // atomic.fence: one reserved byte
    r.skip(1);
  } else if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) {
    skipMemarg(r);
  } else {
    throw new UnsupportedModule(`unknown opcode 0xfe ${sub} at byte ${r.pos}`);
  }
}

// ---- module structure -------------------------------------------------------------------

interface Section {
  id: number;
  /** First byte of the section's contents (after its id and size). */
  start: number;
  end: number;
}

function readSections(bytes: Uint8Array): Section[] {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) {
    throw new UnsupportedModule('not a WebAssembly 1.0 binary (bad magic number or version)');
  }
  const out: Section[] = [];
  const r = new Reader(bytes, 8, bytes.length);
  while (!r.atEnd) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    if (id !== SectionId.Custom && !SECTION_ORDER.includes(id)) throw new UnsupportedModule(`unknown section id ${id}`);
    out.push({ id, start, end: r.pos });
  }
  return out;
}

interface FunctionBody {
  /** The body's size field. */
  sizeStart: number;
  /** First byte of the locals, and one past the final `end`. */
  start: number;
  end: number;
}

interface ModuleLayout {
  sections: Section[];
  importedFunctions: number;
  importedGlobals: number;
  definedFunctions: number;
  definedGlobals: number;
  /** The first (i32) -> (i32) function type, which the probe function reuses. */
  i32ToI32Type: number | undefined;
  typeCount: number;
  hasMemory: boolean;
  memory64: boolean;
  exports: { name: string; kind: number; index: number }[];
  bodies: FunctionBody[];
}

function section(layout: ModuleLayout, id: number): Section | undefined {
  return layout.sections.find((s) => s.id === id);
}

function readLayout(bytes: Uint8Array): ModuleLayout {
  const layout: ModuleLayout = {
    sections: readSections(bytes),
    importedFunctions: 0,
    importedGlobals: 0,
    definedFunctions: 0,
    definedGlobals: 0,
    i32ToI32Type: undefined,
    typeCount: 0,
    hasMemory: false,
    memory64: false,
    exports: [],
    bodies: [],
  };
  for (const s of layout.sections) {
    const r = new Reader(bytes, s.start, s.end);
    switch (s.id) {
      case SectionId.Type: readTypes(r, layout); break;
      case SectionId.Import: readImports(r, layout); break;
      case SectionId.Function: layout.definedFunctions = r.u32(); break;
      case SectionId.Memory: {
        const count = r.u32();
        if (count > 0 && !layout.hasMemory) {
          layout.hasMemory = true;
          layout.memory64 = skipLimits(r).memory64;
        }
        break;
      }
      case SectionId.Global: layout.definedGlobals = r.u32(); break;
      case SectionId.Export: {
        const count = r.u32();
        for (let i = 0; i < count; i++) layout.exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
        break;
      }
      case SectionId.Code: {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          const sizeStart = r.pos;
          const size = r.u32();
          const start = r.pos;
          r.skip(size);
          layout.bodies.push({ sizeStart, start, end: r.pos });
        }
        break;
      }
    }
  }
  if (layout.bodies.length !== layout.definedFunctions) {
    throw new UnsupportedModule(`${layout.definedFunctions} functions declared but ${layout.bodies.length} bodies`);
  }
  return layout;
}

function readTypes(r: Reader, layout: ModuleLayout): void {
  layout.typeCount = r.u32();
  for (let index = 0; index < layout.typeCount; index++) {
    const form = r.byte();
    // GC's rec/sub types would make "entry number" and "type index" differ: not supported.
    if (form !== FUNC_TYPE_FORM) throw new UnsupportedModule(`type form 0x${form.toString(16)} (GC types) is not supported`);
    const paramIsI32 = readValueTypes(r);
    const resultIsI32 = readValueTypes(r);
    if (layout.i32ToI32Type === undefined && paramIsI32 && resultIsI32) layout.i32ToI32Type = index;
  }
}

/** Skips a vec(valtype); true when it was exactly one i32. */
function readValueTypes(r: Reader): boolean {
  const count = r.u32();
  const first = r.bytes[r.pos];
  for (let i = 0; i < count; i++) skipValueType(r);
  return count === 1 && first === I32;
}

function readImports(r: Reader, layout: ModuleLayout): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    switch (kind) {
      case EXTERNAL_FUNCTION:
        r.skipLeb();
        layout.importedFunctions++;
        break;
      case EXTERNAL_TABLE:
        skipValueType(r);
        skipLimits(r);
        break;
      case EXTERNAL_MEMORY: {
        const { memory64 } = skipLimits(r);
        if (!layout.hasMemory) {
          layout.hasMemory = true;
          layout.memory64 = memory64;
        }
        break;
      }
      case EXTERNAL_GLOBAL:
        skipValueType(r);
        r.byte();
        layout.importedGlobals++;
        break;
      case EXTERNAL_TAG:
        r.byte();
        r.skipLeb();
        break;
      default:
        throw new UnsupportedModule(`unknown import kind 0x${kind.toString(16)}`);
    }
  }
}

/** Skips a body's local declarations; r.pos is then at its first instruction. */
function skipLocals(r: Reader): void {
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.skipLeb();
    skipValueType(r);
  }
}

/** Offsets (of the opcode) and lengths of every `memory.grow 0` in one body. */
function findGrowSites(bytes: Uint8Array, body: FunctionBody): { at: number; length: number }[] {
  const r = new Reader(bytes, body.start, body.end);
  skipLocals(r);
  const sites: { at: number; length: number }[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    if (skipInstruction(r)) sites.push({ at, length: r.pos - at });
  }
  if (bytes[body.end - 1] !== 0x0b) throw new UnsupportedModule(`function body at byte ${body.start} does not end with \`end\``);
  return sites;
}

// ---- writing ----------------------------------------------------------------------------

/** A section's new contents: its old item count plus `added`, old items, then new ones. */
function appendItems(bytes: Uint8Array, old: Section | undefined, added: number, items: number[]): Uint8Array {
  if (!old) return Uint8Array.from([...writeU32(added), ...items]);
  const r = new Reader(bytes, old.start, old.end);
  const count = r.u32();
  const head = writeU32(count + added);
  const out = new Uint8Array(head.length + (old.end - r.pos) + items.length);
  out.set(head, 0);
  out.set(bytes.subarray(r.pos, old.end), head.length);
  out.set(items, head.length + (old.end - r.pos));
  return out;
}

/** Joins sections back into a module: replaced contents where given, new ones in order. */
function assemble(bytes: Uint8Array, sections: Section[], replaced: Map<number, Uint8Array>): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const pending = new Map(replaced);
  const emit = (id: number, contents: Uint8Array): void => {
    parts.push(Uint8Array.from([id, ...writeU32(contents.length)]), contents);
  };
  const emitNewBefore = (rank: number): void => {
    for (const id of SECTION_ORDER.slice(0, rank)) {
      const contents = pending.get(id);
      if (contents && !sections.some((s) => s.id === id)) {
        emit(id, contents);
        pending.delete(id);
      }
    }
  };
  for (const s of sections) {
    if (s.id !== SectionId.Custom) emitNewBefore(SECTION_ORDER.indexOf(s.id));
    const contents = replaced.get(s.id);
    emit(s.id, s.id !== SectionId.Custom && contents ? contents : bytes.subarray(s.start, s.end));
    pending.delete(s.id);
  }
  emitNewBefore(SECTION_ORDER.length);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function probeBody(globalIndex: number): number[] {
  const g = writeU32(globalIndex);
  const code = [
    0x01, 0x01, I32, // one extra i32 local: the grow's result
    0x20, 0x00, // local.get 0
    OP_MEMORY_GROW, 0x00, // memory.grow 0
    0x22, 0x01, // local.tee 1
    0x41, 0x7f, // i32.const -1
    0x46, // i32.eq
    0x04, 0x40, // if
    0x23, ...g, // global.get G
    0x41, 0x01, // i32.const 1
    0x6a, // i32.add
    0x24, ...g, // global.set G
    0x0b, // end
    0x20, 0x01, // local.get 1
    0x0b, // end
  ];
  return [...writeU32(code.length), ...code];
}

function rewriteCode(bytes: Uint8Array, layout: ModuleLayout, probeIndex: number, globalIndex: number): { contents: Uint8Array; growSites: number } {
  const call = [OP_CALL, ...writeU32(probeIndex)];
  const chunks: (Uint8Array | number[])[] = [writeU32(layout.bodies.length + 1)];
  let growSites = 0;
  for (const body of layout.bodies) {
    const sites = findGrowSites(bytes, body);
    if (sites.length === 0) {
      chunks.push(bytes.subarray(body.sizeStart, body.end));
      continue;
    }
    growSites += sites.length;
    const pieces: (Uint8Array | number[])[] = [];
    let from = body.start;
    let size = 0;
    for (const site of sites) {
      pieces.push(bytes.subarray(from, site.at), call);
      size += site.at - from + call.length;
      from = site.at + site.length;
    }
    pieces.push(bytes.subarray(from, body.end));
    size += body.end - from;
    chunks.push(writeU32(size), ...pieces);
  }
  chunks.push(probeBody(globalIndex));
  const contents = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    contents.set(c, at);
    at += c.length;
  }
  return { contents, growSites };
}

export interface GrowProbeResult {
  bytes: Uint8Array;
  instrumented: boolean;
  /** How many `memory.grow` instructions now go through the probe. */
  growSites: number;
  /** Why the module came back unchanged, when it did. */
  reason?: string;
}

function unchanged(bytes: Uint8Array, reason: string): GrowProbeResult {
  return { bytes, instrumented: false, growSites: 0, reason };
}

/** Returns a copy of `bytes` in which every `memory.grow` goes through an added function that
 *  increments the global when the grow returns -1. Returns the input unchanged (and says why)
 *  when the module uses something the decoder does not know; never returns a broken module. */
export function instrumentMemoryGrow(bytes: Uint8Array): GrowProbeResult {
  let layout: ModuleLayout;
  let out: Uint8Array<ArrayBuffer>;
  let growSites: number;
  try {
    layout = readLayout(bytes);
    if (!layout.hasMemory) return unchanged(bytes, 'the module has no memory, so nothing can fail to grow');
    if (layout.memory64) return unchanged(bytes, 'memory 0 is a 64-bit memory, whose memory.grow takes an i64');
    if (layout.exports.some((e) => e.name === GROW_FAILURES_EXPORT)) {
      return unchanged(bytes, `the module already exports ${GROW_FAILURES_EXPORT} (instrumented already?)`);
    }
    const probeIndex = layout.importedFunctions + layout.definedFunctions;
    const globalIndex = layout.importedGlobals + layout.definedGlobals;
    const replaced = new Map<number, Uint8Array>();
    let probeType = layout.i32ToI32Type;
    if (probeType === undefined) {
      probeType = layout.typeCount;
      replaced.set(SectionId.Type, appendItems(bytes, section(layout, SectionId.Type), 1, [FUNC_TYPE_FORM, 1, I32, 1, I32]));
    }
    replaced.set(SectionId.Function, appendItems(bytes, section(layout, SectionId.Function), 1, writeU32(probeType)));
    // mutable i32, initialised by the constant expression `i32.const 0; end`
    replaced.set(SectionId.Global, appendItems(bytes, section(layout, SectionId.Global), 1, [I32, 0x01, 0x41, 0x00, 0x0b]));
    replaced.set(SectionId.Export, appendItems(bytes, section(layout, SectionId.Export), 1,
      [...writeName(GROW_FAILURES_EXPORT), EXTERNAL_GLOBAL, ...writeU32(globalIndex)]));
    const code = rewriteCode(bytes, layout, probeIndex, globalIndex);
    replaced.set(SectionId.Code, code.contents);
    growSites = code.growSites;
    out = assemble(bytes, layout.sections, replaced);
  } catch (error) {
    if (error instanceof UnsupportedModule) return unchanged(bytes, error.message);
    throw error;
  }
  // The last line of defence for "never a broken module": the engine's own validator. When
  // this engine rejects the input as well (a feature it lacks), the rewrite is no worse.
  if (!WebAssembly.validate(out) && WebAssembly.validate(new Uint8Array(bytes))) {
    return unchanged(bytes, 'the rewritten module did not validate (a decoder bug: please report it)');
  }
  return { bytes: out, instrumented: true, growSites };
}

/** The name of the export that wasm-bindgen's `__wbindgen_start` calls (the user's
 *  `#[wasm_bindgen(start)]` fn, which wasm-bindgen also exports under its Rust name), if any:
 *  find the `__wbindgen_start` export, decode its body, and if it calls (directly) a function
 *  that is also exported under another name, return that name. */
export function startFunctionExport(bytes: Uint8Array): string | undefined {
  try {
    const layout = readLayout(bytes);
    const start = layout.exports.find((e) => e.name === WBINDGEN_START_EXPORT && e.kind === EXTERNAL_FUNCTION);
    if (!start) return undefined;
    const exportedName = (index: number): string | undefined =>
      layout.exports.find((e) => e.kind === EXTERNAL_FUNCTION && e.index === index && e.name !== WBINDGEN_START_EXPORT)?.name;
    const body = layout.bodies[start.index - layout.importedFunctions];
    if (!body) return undefined;
    const r = new Reader(bytes, body.start, body.end);
    skipLocals(r);
    while (!r.atEnd) {
      if (r.bytes[r.pos] === OP_CALL) {
        r.pos++;
        const name = exportedName(r.u32());
        if (name !== undefined) return name;
      } else {
        skipInstruction(r);
      }
    }
    return undefined;
  } catch (error) {
    if (error instanceof UnsupportedModule) return undefined;
    throw error;
  }
}
