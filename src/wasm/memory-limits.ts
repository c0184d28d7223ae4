// A module's memory limits, read and rewritten in the binary before it is compiled, so a cap
// is enforced by the engine itself: `memory.grow` past it fails inside wasm, and Rust's
// allocator sees a normal allocation failure. V8 has no per-instance memory limit, so this is
// how both the runtime and the V8 program engine cap memory; WasmEdge is given the same page
// count. Nothing outside the memory section changes.

import { SectionId, writeU32 } from './binary.js';
import { readModule, sectionOf } from './module-layout.js';

export const WASM_PAGE = 65536;

export interface MemoryLimits {
  /** Initial size in pages. */
  min: number;
  /** Maximum size in pages, or undefined when the module sets none. */
  max: number | undefined;
  imported: boolean;
  memory64: boolean;
  /** A shared memory (threads): whoever supplies it must create it with `shared: true`. */
  shared: boolean;
}

/** Whole pages within `memoryLimitMb` MiB, and never fewer than one: a cap cannot be zero. */
export function pagesFor(memoryLimitMb: number): number {
  return Math.max(1, Math.floor((memoryLimitMb * 2 ** 20) / WASM_PAGE));
}

/** The limits of memory 0, defined or imported; undefined when the module has no memory. */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits | undefined {
  const memory = readModule(bytes).memories[0];
  return memory && { min: memory.min, max: memory.max, imported: memory.imported, memory64: memory.memory64, shared: memory.shared };
}

/**
 * Returns a copy of `bytes` whose memory 0 may grow to at most `maxPages` pages; a smaller
 * maximum already in the module is kept. The caller checks first (with readMemoryLimits)
 * that the module defines a 32-bit memory 0 starting within the cap, and says what to do
 * when not in its own terms; a module that breaks this contract throws a RangeError.
 */
export function limitMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  const layout = readModule(bytes);
  const memory = layout.memories[0];
  const section = sectionOf(layout, SectionId.Memory);
  if (!memory || memory.imported || memory.memory64 || memory.flags & 0x08 || !section || memory.min > maxPages) {
    throw new RangeError(`limitMemory needs a defined 32-bit memory starting within ${maxPages} pages`);
  }
  const newMax = memory.max === undefined ? maxPages : Math.min(memory.max, maxPages);
  const contents = [
    ...bytes.subarray(section.start, memory.start),
    memory.flags | 0x01,
    ...writeU32(memory.min),
    ...writeU32(newMax),
    ...bytes.subarray(memory.end, section.end),
  ];
  const header = [SectionId.Memory, ...writeU32(contents.length)];
  const out = new Uint8Array(bytes.length - (section.end - section.headerStart) + header.length + contents.length);
  out.set(bytes.subarray(0, section.headerStart), 0);
  out.set(header, section.headerStart);
  out.set(contents, section.headerStart + header.length);
  out.set(bytes.subarray(section.end), section.headerStart + header.length + contents.length);
  return out;
}
