/**
 * The checks a module must pass to run as a WASI command, made before any engine sees it:
 * it imports only from wasi_snapshot_preview1, defines exactly one 32-bit memory, and
 * exports `_start`. The module is read by the shared reader (src/wasm/).
 */
import { External, WasmFormatError } from '../wasm/binary.js';
import type { MemoryLimits } from '../wasm/memory-limits.js';
import { contentHash } from '../wasm/module-cache.js';
import { readModule, type ModuleLayout } from '../wasm/module-layout.js';
import { BadModuleError } from './errors.js';

const WASI_MODULE = 'wasi_snapshot_preview1';

export interface ModuleInfo {
  /** The content hash: the key of the compiled-module cache and of WasmEdge's AOT cache. */
  hash: string;
  /** The single linear memory the module defines. */
  memory: MemoryLimits;
}

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
  let layout: ModuleLayout;
  try {
    layout = readModule(bytes);
  } catch (e) {
    if (e instanceof WasmFormatError) throw new BadModuleError(e.message, { cause: e });
    throw e;
  }
  for (const { module, name, kind } of layout.imports) {
    if (module !== WASI_MODULE) {
      throw new BadModuleError(`it imports ${module}.${name}; a WASI program may import only from ${WASI_MODULE}`);
    }
    if (kind !== External.Function) throw new BadModuleError(`it imports ${module}.${name} as a non-function`);
  }
  if (layout.memories.length > 1) throw new BadModuleError(`it defines ${layout.memories.length} memories; exactly one is supported`);
  const memory = layout.memories[0];
  if (!memory) throw new BadModuleError('it defines no linear memory');
  if (memory.memory64) throw new BadModuleError('64-bit memories are not supported');
  if (!layout.exports.some((e) => e.name === '_start' && e.kind === External.Function)) {
    throw new BadModuleError('it exports no _start function (is it a library rather than a program?)');
  }
  return { hash: contentHash(bytes), memory };
}
