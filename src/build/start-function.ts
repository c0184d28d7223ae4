// wasm-bindgen exports a `#[wasm_bindgen(start)]` function twice: as `__wbindgen_start`, which
// the glue runs once when the instance is made, and under its Rust name, as if it were API.
// Calling it again re-runs start-up code, so the package's types should not offer it.

import { readFile } from 'node:fs/promises';
import { startFunctionExport } from '../wasm/start-function.js';

/** The name the start function is exported under, read from the module itself. */
export async function findStartFunction(wasmPath: string): Promise<string | undefined> {
  return startFunctionExport(new Uint8Array(await readFile(wasmPath)));
}

/** The .d.ts without the start function's declaration (and the doc comment above it). */
export function withoutStartFunction(dts: string, name: string): string {
  const escaped = name.replace(/[$]/g, '\\$');
  return dts.replace(new RegExp(`(?:/\\*\\*(?:[^*]|\\*(?!/))*\\*/\\s*)?export function ${escaped}\\(\\): void;\\n\\n?`), '');
}
