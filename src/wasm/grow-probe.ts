// Rewrites a module so that a failed `memory.grow` leaves a mark the runtime can read after a
// trap. Without it, an `unreachable` trap with no panic message can only be guessed to be out
// of memory; with it, the runtime KNOWS whether the allocator was refused memory.
//
// Every `memory.grow` on memory 0 becomes a call to one added function that grows, and bumps
// an added, exported mutable i32 global when the grow returns -1. Functions and globals are only
// appended, so no existing index (calls, element segments, the name section) changes. Finding
// the real `memory.grow` opcodes needs every instruction decoded (0x40 is also the empty block
// type and a byte of many immediates); an opcode the decoder does not know leaves the module
// untouched, with the reason, rather than risking a wrong rewrite (see instructions.ts).

import { External, I32, Reader, SECTION_ORDER, type Section, SectionId, WasmFormatError, writeName, writeU32 } from './binary.js';
import { OP_CALL, OP_MEMORY_GROW, skipInstruction, skipLocals } from './instructions.js';
import { FUNC_TYPE_FORM, type FunctionBody, type ModuleLayout, readModule, sectionOf } from './module-layout.js';

/** Name of the exported mutable i32 global counting failed memory.grow since it was last reset. */
export const GROW_FAILURES_EXPORT = '__offload_grow_failures';

/** Offsets (of the opcode) and lengths of every `memory.grow 0` in one body. */
function findGrowSites(bytes: Uint8Array, body: FunctionBody): { at: number; length: number }[] {
  const r = new Reader(bytes, body.start, body.end);
  skipLocals(r);
  const sites: { at: number; length: number }[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    if (skipInstruction(r)) sites.push({ at, length: r.pos - at });
  }
  if (bytes[body.end - 1] !== 0x0b) throw new WasmFormatError(`function body at byte ${body.start} does not end with \`end\``);
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
    layout = readModule(bytes);
    const memory = layout.memories[0];
    if (!memory) return unchanged(bytes, 'the module has no memory, so nothing can fail to grow');
    if (memory.memory64) return unchanged(bytes, 'memory 0 is a 64-bit memory, whose memory.grow takes an i64');
    if (layout.exports.some((e) => e.name === GROW_FAILURES_EXPORT)) {
      return unchanged(bytes, `the module already exports ${GROW_FAILURES_EXPORT} (instrumented already?)`);
    }
    const probeIndex = layout.importedFunctions + layout.definedFunctions;
    const globalIndex = layout.importedGlobals + layout.definedGlobals;
    const replaced = new Map<number, Uint8Array>();
    if (layout.unsupportedTypes !== undefined) return unchanged(bytes, layout.unsupportedTypes);
    let probeType = layout.i32ToI32Type;
    if (probeType === undefined) {
      probeType = layout.typeCount;
      replaced.set(SectionId.Type, appendItems(bytes, sectionOf(layout, SectionId.Type), 1, [FUNC_TYPE_FORM, 1, I32, 1, I32]));
    }
    replaced.set(SectionId.Function, appendItems(bytes, sectionOf(layout, SectionId.Function), 1, writeU32(probeType)));
    // mutable i32, initialised by the constant expression `i32.const 0; end`
    replaced.set(SectionId.Global, appendItems(bytes, sectionOf(layout, SectionId.Global), 1, [I32, 0x01, 0x41, 0x00, 0x0b]));
    replaced.set(SectionId.Export, appendItems(bytes, sectionOf(layout, SectionId.Export), 1,
      [...writeName(GROW_FAILURES_EXPORT), External.Global, ...writeU32(globalIndex)]));
    const code = rewriteCode(bytes, layout, probeIndex, globalIndex);
    replaced.set(SectionId.Code, code.contents);
    growSites = code.growSites;
    out = assemble(bytes, layout.sections, replaced);
  } catch (error) {
    if (error instanceof WasmFormatError) return unchanged(bytes, error.message);
    throw error;
  }
  // The last line of defence for "never a broken module": the engine's own validator. When
  // this engine rejects the input as well (a feature it lacks), the rewrite is no worse.
  if (!WebAssembly.validate(out) && WebAssembly.validate(new Uint8Array(bytes))) {
    return unchanged(bytes, 'the rewritten module did not validate (a decoder bug: please report it)');
  }
  return { bytes: out, instrumented: true, growSites };
}

