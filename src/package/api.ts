// What a built package offers its callers: its exports (with enum variants), their exact Rust
// types and its start function. offload.json records all of it at build time; only output of
// plain wasm-bindgen (or of an older offload) has its .d.ts parsed instead. This file imports
// the TypeScript compiler (through dts.ts), so the runtime never imports it.

import { existsSync, readFileSync } from 'node:fs';
import type { ExportTypes } from '../build/export-types.js';
import { OffloadLoadError } from '../runtime/errors.js';
import { exportsFromDts, type Export } from './dts.js';
import type { PackageFiles } from './locate.js';
import { MANIFEST_SCHEMA } from './manifest.js';

export interface PackageApi {
  exports: Export[];
  /** undefined for plain wasm-bindgen output: the .d.ts's `number` cannot say u8 from f64. */
  rustTypes: ExportTypes | undefined;
  startFunction: string | undefined;
}

export function readPackageApi(files: PackageFiles): PackageApi {
  const manifest = files.manifest;
  if (manifest?.exports && manifest.schema >= MANIFEST_SCHEMA) {
    return { exports: manifest.exports, rustTypes: manifest.rustTypes, startFunction: manifest.startFunction };
  }
  if (!existsSync(files.dtsPath)) {
    throw new OffloadLoadError(`${files.dir} has no offload.json and no ${files.dtsPath}, so its exports are unknown. Rebuild it with \`offload build\`.`);
  }
  return {
    exports: exportsFromDts(readFileSync(files.dtsPath, 'utf8'), files.dtsPath),
    rustTypes: manifest?.rustTypes,
    startFunction: manifest?.startFunction,
  };
}
