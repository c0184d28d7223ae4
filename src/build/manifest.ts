import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Export } from './dts.js';
import type { ExportTypes } from './export-types.js';
import type { OptLevel } from './wasm-opt.js';

export const MANIFEST_FILE = 'offload.json';

export interface BuiltArtifact {
  name: string;
  /** File name inside the package folder. */
  wasm: string;
  bytesBeforeOpt: number;
  bytesAfterOpt: number;
  sha256: string;
}

/** What `offload build` writes next to the package: enough for the runtime and the server. */
export interface OffloadManifest {
  schema: 1;
  kind: 'library' | 'program';
  name: string;
  version: string;
  target: string;
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
  options: { simd: boolean; optLevel: OptLevel };
  toolchain: { route: 'rustup' | 'debian'; rustc: string; wasmBindgen?: string; wasmOpt?: string; offload: string };
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

/** wasm-pack's package.json, so the folder can be published or installed as it is. */
export async function writePackageJson(pkgDir: string, manifest: OffloadManifest): Promise<void> {
  // Everything wasm-bindgen wrote (including snippets/ and the _bg.wasm.d.ts) ships.
  const files = [...(await readdir(pkgDir)), 'package.json'].filter((f, i, all) => all.indexOf(f) === i).sort();
  const pkg: Record<string, unknown> = {
    name: manifest.name,
    version: manifest.version,
    type: 'module',
    files,
  };
  if (manifest.glue) {
    pkg.main = manifest.glue;
    pkg.types = manifest.types;
    pkg.sideEffects = ['./snippets/*'];
  }
  await writeFile(join(pkgDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}
