/**
 * Just enough of the wasm binary format to check a program before any engine sees it and
 * to cap its memory: V8 has no per-instance memory limit, so the module's own declared
 * maximum is lowered instead, and memory.grow past it fails inside the guest exactly as
 * WasmEdge's --memory-page-limit makes it fail.
 */
import { createHash } from 'node:crypto';
import { BadModuleError } from './errors.js';

export const WASM_PAGE_BYTES = 65536;
const WASI_MODULE = 'wasi_snapshot_preview1';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Cursor {
  bytes: Uint8Array;
  pos: number;
}

function readByte(c: Cursor): number {
  if (c.pos >= c.bytes.length) throw new BadModuleError('the module ends in the middle of a section');
  return c.bytes[c.pos++]!;
}

function readU32(c: Cursor): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = readByte(c);
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
    if (shift > 35) throw new BadModuleError('malformed LEB128 integer');
  }
}

function readName(c: Cursor): string {
  const len = readU32(c);
  const s = Buffer.from(c.bytes.subarray(c.pos, c.pos + len)).toString('utf8');
  c.pos += len;
  return s;
}

interface MemoryLimits {
  /** Byte offset of the memory's limits inside the module. */
  start: number;
  end: number;
  flags: number;
  min: number;
  max: number | undefined;
}

export interface ModuleInfo {
  hash: string;
  /** The single linear memory the module defines. */
  memory: MemoryLimits;
}

function readLimits(c: Cursor): MemoryLimits {
  const start = c.pos;
  const flags = readByte(c);
  if (flags & 0x04) throw new BadModuleError('64-bit memories are not supported');
  const min = readU32(c);
  const max = flags & 0x01 ? readU32(c) : undefined;
  return { start, end: c.pos, flags, min, max };
}

/**
 * Check that `bytes` is a valid module that runs as a WASI command: it imports only from
 * wasi_snapshot_preview1, defines and exports its memory, and exports `_start`.
 */
export function inspectProgram(bytes: Uint8Array): ModuleInfo {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new BadModuleError('the bytes do not start with the wasm magic number \\0asm');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new BadModuleError('unsupported wasm binary version (a component? only core modules run here)');
  }
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
    // Compile to get V8's precise reason (offset and what is wrong).
    let reason = 'the module does not validate';
    try {
      new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      reason = (e as Error).message;
    }
    throw new BadModuleError(reason);
  }
  const c: Cursor = { bytes, pos: 8 };
  let memory: MemoryLimits | undefined;
  let hasStart = false;
  while (c.pos < bytes.length) {
    const id = readByte(c);
    const size = readU32(c);
    const end = c.pos + size;
    if (id === 2) {
      const count = readU32(c);
      for (let i = 0; i < count; i++) {
        const module = readName(c);
        const name = readName(c);
        const kind = readByte(c);
        if (module !== WASI_MODULE) {
          throw new BadModuleError(`it imports ${module}.${name}; a WASI program may import only from ${WASI_MODULE}`);
        }
        if (kind !== 0) throw new BadModuleError(`it imports ${module}.${name} as a non-function`);
        readU32(c);
      }
    } else if (id === 5) {
      const count = readU32(c);
      if (count !== 1) throw new BadModuleError(`it defines ${count} memories; exactly one is supported`);
      memory = readLimits(c);
    } else if (id === 7) {
      const count = readU32(c);
      for (let i = 0; i < count; i++) {
        const name = readName(c);
        const kind = readByte(c);
        readU32(c);
        if (name === '_start' && kind === 0) hasStart = true;
      }
    }
    c.pos = end;
  }
  if (!memory) throw new BadModuleError('it defines no linear memory');
  if (!hasStart) throw new BadModuleError('it exports no _start function (is it a library rather than a program?)');
  return { hash: sha256(bytes), memory };
}

/** Pages that fit in `memoryLimitMb`. */
export function pagesFor(memoryLimitMb: number): number {
  return Math.floor((memoryLimitMb * 1024 * 1024) / WASM_PAGE_BYTES);
}
