// Which of a package's modules load() runs: a library built with `offload build --relaxed-simd`
// ships a relaxed-SIMD twin beside its SIMD128 module, under one glue. A module using an
// instruction the engine lacks fails to validate, so the choice is made per process from what
// the engine validates (wasm/engine-features.ts), never from version tables. The chosen
// module is the one compiled (and cached by its content) and posted to every instance.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PackageFiles } from '../package/locate.js';
import type { SimdVariant } from '../package/manifest.js';
import { WasmFormatError } from '../wasm/binary.js';
import { engineSupports } from '../wasm/engine-features.js';
import { simdUse } from '../wasm/simd-use.js';
import { OffloadBadArgumentError, OffloadEngineFeatureError } from './errors.js';

export type { SimdVariant };

/** load()'s `simdVariant`: 'auto' picks the best the engine validates; the others insist. */
export type SimdVariantChoice = 'auto' | 'simd128' | 'relaxed-simd';
export const SIMD_VARIANT_CHOICES: readonly SimdVariantChoice[] = ['auto', 'simd128', 'relaxed-simd'];

export interface ModuleChoice {
  wasmPath: string;
  simdVariant: SimdVariant;
}

interface Candidate extends ModuleChoice {
  engineFeatures: string[];
}

const PREFERENCE: readonly SimdVariant[] = ['relaxed-simd', 'simd128', 'none'];

/** What a module without offload.json uses, read from its code. */
function variantFromCode(wasmPath: string): SimdVariant {
  try {
    const use = simdUse(readFileSync(wasmPath));
    return use.relaxed > 0 ? 'relaxed-simd' : use.simd > 0 ? 'simd128' : 'none';
  } catch (error) {
    // An instruction offload's decoder does not know: it cannot tell, and says no SIMD.
    if (error instanceof WasmFormatError) return 'none';
    throw error;
  }
}

/** The package's modules with what each needs; one for everything but --relaxed-simd builds. */
function candidates(files: PackageFiles): Candidate[] {
  const manifest = files.manifest;
  // Schema 3 names each library module's variant; older offload.json files have one module.
  if (manifest?.kind === 'library' && manifest.artifacts.every((a) => a.simd !== undefined)) {
    return manifest.artifacts.map((a) => ({ wasmPath: path.join(files.dir, a.wasm), simdVariant: a.simd, engineFeatures: a.engineFeatures }));
  }
  const simdVariant = manifest ? (manifest.options.simd ? 'simd128' : 'none') : variantFromCode(files.wasmPath);
  // Feature-checked only for a manifest's own claims; the single module is run regardless.
  return [{ wasmPath: files.wasmPath, simdVariant, engineFeatures: [] }];
}

function supported(candidate: Candidate): boolean {
  return candidate.engineFeatures.every(engineSupports);
}

/** The module load() compiles for this package, following `choice` (see SimdVariantChoice). */
export function chooseModule(files: PackageFiles, choice: SimdVariantChoice = 'auto'): ModuleChoice {
  const all = candidates(files);
  const baseline = all[0] as Candidate;
  if (choice === 'auto') {
    const best = [...all].sort((a, b) => PREFERENCE.indexOf(a.simdVariant) - PREFERENCE.indexOf(b.simdVariant)).find(supported);
    // None validates: the baseline's compile error names what the engine lacks.
    const { wasmPath, simdVariant } = best ?? baseline;
    return { wasmPath, simdVariant };
  }
  const wanted = all.find((c) => c.simdVariant === choice);
  if (!wanted) {
    const built = all.map((c) => c.simdVariant).join(', ');
    const how = choice === 'relaxed-simd' ? 'Build it with `offload build --relaxed-simd` (a crate needs relaxed intrinsics for a twin to ship)' : 'Build it without --no-simd';
    throw new OffloadBadArgumentError(`simdVariant '${choice}' was asked for, but ${files.dir} holds only: ${built}. ${how}, or pass simdVariant 'auto'.`);
  }
  const missing = wanted.engineFeatures.find((feature) => !engineSupports(feature));
  if (missing) {
    const hint =
      missing === 'relaxed-simd'
        ? ' Node 22 and later have it; Node 20 only with `node --experimental-wasm-relaxed-simd`.'
        : '';
    throw new OffloadEngineFeatureError(
      missing,
      `simdVariant '${choice}' needs the WebAssembly feature ${missing}, which this engine (Node ${process.versions.node}, V8 ${process.versions.v8}) does not validate.${hint} Or pass simdVariant 'auto', which picks the best variant this engine runs.`,
    );
  }
  return { wasmPath: wanted.wasmPath, simdVariant: wanted.simdVariant };
}
