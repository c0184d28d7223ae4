/** Reading and writing the guest's linear memory, bounds-checked: a bad pointer is FAULT. */
import { Errno } from './constants.js';
import { WasiErrnoError } from './resolve-beneath.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export class GuestMemory {
  private memory: WebAssembly.Memory | undefined;

  /** Must be called with the instance's exported memory before `_start` runs. */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  // Views are rebuilt on every call: memory.grow detaches the previous ArrayBuffer.
  view(): DataView {
    return new DataView(this.memory!.buffer);
  }

  bytes(ptr: number, len: number): Uint8Array {
    const mem = this.memory!.buffer;
    if (ptr < 0 || len < 0 || ptr + len > mem.byteLength) throw new WasiErrnoError(Errno.FAULT);
    return new Uint8Array(mem, ptr, len);
  }

  /** A guest string (a path, a symlink target), which WASI requires to be UTF-8. */
  string(ptr: number, len: number): string {
    try {
      return decoder.decode(this.bytes(ptr, len));
    } catch (e) {
      if (e instanceof WasiErrnoError) throw e;
      throw new WasiErrnoError(Errno.INVAL, 'path is not UTF-8');
    }
  }

  /** The buffers of an iovec array: `count` pairs of (u32 pointer, u32 length). */
  iovecs(ptr: number, count: number): Uint8Array[] {
    const v = this.view();
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const base = v.getUint32(ptr + i * 8, true);
      const len = v.getUint32(ptr + i * 8 + 4, true);
      out.push(this.bytes(base, len));
    }
    return out;
  }

  /** The `*_sizes_get` half of a NUL-terminated string list: its count and total bytes. */
  writeListSizes(list: Uint8Array[], countPtr: number, sizePtr: number): void {
    const v = this.view();
    v.setUint32(countPtr, list.length, true);
    v.setUint32(sizePtr, list.reduce((n, b) => n + b.length, 0), true);
  }

  /** The `*_get` half: the strings packed at `bufPtr`, a pointer to each at `ptrsPtr`. */
  writeList(list: Uint8Array[], ptrsPtr: number, bufPtr: number): void {
    const v = this.view();
    let offset = bufPtr;
    list.forEach((b, i) => {
      v.setUint32(ptrsPtr + i * 4, offset, true);
      this.bytes(offset, b.length).set(b);
      offset += b.length;
    });
  }
}
