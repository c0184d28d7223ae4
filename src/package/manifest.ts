// offload.json: what `offload build` writes next to a package, and the one place that reads
// it. The runtime, the server and the build all go through here, so the file's name, its
// schema and its shape are stated once.

import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Export } from './dts.js';
import type { ExportTypes } from '../build/export-types.js';
import type { OptLevel } from '../build/wasm-opt.js';
import type { EngineFeature } from '../wasm/engine-features.js';

export const MANIFEST_FILE = 'offload.json';

/**
 * 2: `exports` lists enums with their variants, so readers need not parse the .d.ts.
 * 3: each artifact says its SIMD variant and the engine features it needs; a library built
 *    with --relaxed-simd has two artifacts, the baseline first.
 */
export const MANIFEST_SCHEMA = 3;

/** Which SIMD a module uses: 'none' is a --no-simd build. */
export type SimdVariant = 'relaxed-simd' | 'simd128' | 'none';

export interface BuiltArtifact {
  name: string;
  /** File name inside the package folder. */
  wasm: string;
  bytesBeforeOpt: number;
  bytesAfterOpt: number;
  sha256: string;
  simd: SimdVariant;
  /** What an engine must validate to run this module, beyond the features every supported Node has. */
  engineFeatures: EngineFeature[];
}

/** What `offload build` writes next to the package: enough for the runtime and the server. */
export interface OffloadManifest {
  schema: number;
  kind: 'library' | 'program';
  name: string;
  version: string;
  target: string;
  /**
   * Programs: one per binary. Libraries: the module the glue was written for, then (built with
   * --relaxed-simd) its relaxed-SIMD twin under the same glue; load() picks between them.
   */
  artifacts: BuiltArtifact[];
  /** Libraries only: the --target web glue, its types, and what it exports. */
  glue?: string;
  types?: string;
  exports?: Export[];
  /**
   * Libraries only: each exported function's exact Rust types (wasm-bindgen's descriptors, by
   * Rust name), which the .d.ts erases (u8..u64, f32, char all become number or string).
   */
  rustTypes?: ExportTypes;
  /** Libraries only: the `#[wasm_bindgen(start)]` function, run once per instance and not offered as API. */
  startFunction?: string;
  /** What the build read, relative to the crate; their contents make up inputHash. */
  inputs: string[];
  inputHash: string;
  /**
   * threads: built with a shared memory and atomics (`offload build --threads`); load() must start helper threads.
   * relaxedSimd: a relaxed-SIMD twin was asked for; `artifacts` says whether one shipped.
   */
  options: { simd: boolean; optLevel: OptLevel; threads?: boolean; relaxedSimd?: boolean };
  toolchain: { route: 'rustup' | 'debian'; rustc: string; wasmBindgen?: string; wasmOpt?: string; offload: string };
}

/** The package's offload.json, or undefined for plain wasm-bindgen output (or an unreadable file). */
export function readManifestSync(pkgDir: string): OffloadManifest | undefined {
  const file = join(pkgDir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as OffloadManifest;
  } catch {
    return undefined;
  }
}

export async function readManifest(pkgDir: string): Promise<OffloadManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(pkgDir, MANIFEST_FILE), 'utf8')) as OffloadManifest;
  } catch {
    return undefined;
  }
}

export async function writeManifest(pkgDir: string, manifest: OffloadManifest): Promise<void> {
  await writeFile(join(pkgDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
