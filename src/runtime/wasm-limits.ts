// Rewrites a module's own memory limits in the binary, before it is compiled, so the cap is
// enforced by the engine itself: `memory.grow` past it fails inside wasm, and Rust's
// allocator sees a normal allocation failure. Nothing outside the memory section changes.

import { OffloadBadArgumentError, OffloadLoadError } from './errors.js';

export const WASM_PAGE = 65536;
const MEMORY_SECTION = 5;
const IMPORT_SECTION = 2;

export interface MemoryLimits {
  /** Initial size in pages. */
  min: number;
  /** Maximum size in pages, or undefined when the module sets none. */
  max: number | undefined;
  imported: boolean;
}

interface Leb {
  value: number;
  next: number;
}

function readLeb(bytes: Uint8Array, offset: number): Leb {
  let value = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    const byte = bytes[pos];
    if (byte === undefined) throw new OffloadLoadError('truncated wasm binary (LEB128 runs past the end)');
    pos++;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: pos };
    shift += 7;
    if (shift > 63) throw new OffloadLoadError('malformed wasm binary (LEB128 too long)');
  }
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

interface Section {
  id: number;
  start: number; // first byte of the section id
  contentStart: number;
  end: number;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new OffloadLoadError('not a WebAssembly binary (bad magic number)');
  }
  const out: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos] as number;
    const size = readLeb(bytes, pos + 1);
    const end = size.next + size.value;
    if (end > bytes.length) throw new OffloadLoadError('truncated wasm binary (section runs past the end)');
    out.push({ id, start: pos, contentStart: size.next, end });
    pos = end;
  }
  return out;
}

function skipName(bytes: Uint8Array, pos: number): number {
  const len = readLeb(bytes, pos);
  return len.next + len.value;
}

/** Reads the limits of memory 0, defined or imported. */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits | undefined {
  for (const section of sections(bytes)) {
    if (section.id === MEMORY_SECTION) {
      const count = readLeb(bytes, section.contentStart);
      if (count.value === 0) return undefined;
      return { ...readLimits(bytes, count.next).limits, imported: false };
    }
    if (section.id === IMPORT_SECTION) {
      const count = readLeb(bytes, section.contentStart);
      let pos = count.next;
      for (let i = 0; i < count.value; i++) {
        pos = skipName(bytes, skipName(bytes, pos));
        const kind = bytes[pos++];
        if (kind === 0x02) return { ...readLimits(bytes, pos).limits, imported: true };
        pos = skipImportDescriptor(bytes, kind, pos);
      }
    }
  }
  return undefined;
}

function skipImportDescriptor(bytes: Uint8Array, kind: number | undefined, pos: number): number {
  switch (kind) {
    case 0x00: // function: type index
      return readLeb(bytes, pos).next;
    case 0x01: // table: reftype + limits
      return readLimits(bytes, pos + 1).next;
    case 0x03: // global: valtype + mutability
      return pos + 2;
    case 0x04: // tag: attribute + type index
      return readLeb(bytes, pos + 1).next;
    default:
      throw new OffloadLoadError(`unsupported import kind 0x${(kind ?? 0).toString(16)} in wasm binary`);
  }
}

function readLimits(bytes: Uint8Array, pos: number): { limits: { min: number; max: number | undefined; flags: number }; next: number } {
  const flags = bytes[pos] as number;
  if (flags & 0x04) throw new OffloadBadArgumentError('memoryLimitMb does not support 64-bit memories yet');
  const min = readLeb(bytes, pos + 1);
  if (flags & 0x01) {
    const max = readLeb(bytes, min.next);
    return { limits: { min: min.value, max: max.value, flags }, next: max.next };
  }
  return { limits: { min: min.value, max: undefined, flags }, next: min.next };
}

/**
 * Returns a copy of `bytes` whose memory 0 may grow to at most `maxPages` pages. A smaller
 * maximum already in the module is kept. Throws when the module starts above the cap.
 */
export function limitMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  const memory = sections(bytes).find((s) => s.id === MEMORY_SECTION);
  const count = memory ? readLeb(bytes, memory.contentStart) : undefined;
  if (!memory || !count || count.value === 0) {
    const limits = readMemoryLimits(bytes);
    throw new OffloadBadArgumentError(
      limits?.imported
        ? 'memoryLimitMb needs a module that defines its own memory, but this one imports it (a threaded build?). Build without shared memory, or drop memoryLimitMb.'
        : 'memoryLimitMb was given but the module has no memory to limit. Drop memoryLimitMb.',
    );
  }
  const first = readLimits(bytes, count.next);
  const { min, max, flags } = first.limits;
  if (min > maxPages) {
    throw new OffloadBadArgumentError(
      `memoryLimitMb is ${(maxPages * WASM_PAGE) / 2 ** 20} MiB but the module needs ${(min * WASM_PAGE) / 2 ** 20} MiB to start. Raise memoryLimitMb.`,
    );
  }
  const newMax = max === undefined ? maxPages : Math.min(max, maxPages);
  const limitBytes = [flags | 0x01, ...writeLeb(min), ...writeLeb(newMax)];
  const content = [
    ...bytes.subarray(memory.contentStart, count.next),
    ...limitBytes,
    ...bytes.subarray(first.next, memory.end),
  ];
  const header = [MEMORY_SECTION, ...writeLeb(content.length)];
  const out = new Uint8Array(bytes.length - (memory.end - memory.start) + header.length + content.length);
  out.set(bytes.subarray(0, memory.start), 0);
  out.set(header, memory.start);
  out.set(content, memory.start + header.length);
  out.set(bytes.subarray(memory.end), memory.start + header.length + content.length);
  return out;
}
