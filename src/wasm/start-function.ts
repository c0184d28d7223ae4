// wasm-bindgen exports a `#[wasm_bindgen(start)]` function twice: as `__wbindgen_start`, which
// the glue runs once per instance, and under its Rust name, as if it were API. Build leaves it
// out of the types and the runtime refuses to call it; both learn its name here, from the
// module's own code.

import { External, Reader, WasmFormatError } from './binary.js';
import { OP_CALL, skipInstruction, skipLocals } from './instructions.js';
import { readModule } from './module-layout.js';

const WBINDGEN_START_EXPORT = '__wbindgen_start';

/** The name of the export that wasm-bindgen's `__wbindgen_start` calls (the user's
 *  `#[wasm_bindgen(start)]` fn, which wasm-bindgen also exports under its Rust name), if any:
 *  find the `__wbindgen_start` export, decode its body, and if it calls (directly) a function
 *  that is also exported under another name, return that name. */
export function startFunctionExport(bytes: Uint8Array): string | undefined {
  try {
    const layout = readModule(bytes);
    const start = layout.exports.find((e) => e.name === WBINDGEN_START_EXPORT && e.kind === External.Function);
    if (!start) return undefined;
    // wasm-bindgen's own exports are skipped: a threaded build's start first allocates the
    // thread's stack with `__wbindgen_malloc`, and only then calls the user's function.
    const exportedName = (index: number): string | undefined =>
      layout.exports.find((e) => e.kind === External.Function && e.index === index && !e.name.startsWith('__wbindgen_'))?.name;
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
    if (error instanceof WasmFormatError) return undefined;
    throw error;
  }
}
