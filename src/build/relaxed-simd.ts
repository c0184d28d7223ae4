// What `offload build --relaxed-simd` needs beyond a plain build: a rustc that knows the
// relaxed-simd target feature and its intrinsics, and proof that the twin module it builds
// can run under the baseline's glue. docs/parallel.md ("Relaxed SIMD") says why it is a flag.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readModule } from '../wasm/module-layout.js';
import { exec } from './exec.js';
import { CompileError, ToolchainMissingError } from './errors.js';
import type { Route } from './toolchain.js';

/** core::arch::wasm32's relaxed intrinsics (f32x4_relaxed_madd, ...) are stable since Rust 1.82. */
export const RELAXED_SIMD_MIN_RUSTC = { major: 1, minor: 82 } as const;

/** The twin's file beside `<lib>_bg.wasm`; the glue never names it, load() picks it. */
export function relaxedWasmFile(libName: string): string {
  return `${libName}_bg.relaxed.wasm`;
}

/** Whether a `rustc --version` line names 1.82 or later; undefined when it cannot be read. */
export function rustcHasRelaxedIntrinsics(rustcVersion: string): boolean | undefined {
  const match = /rustc (\d+)\.(\d+)/.exec(rustcVersion);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > RELAXED_SIMD_MIN_RUSTC.major || (major === RELAXED_SIMD_MIN_RUSTC.major && minor >= RELAXED_SIMD_MIN_RUSTC.minor);
}

/** The rustc a route's cargo runs: Debian's route names it in RUSTC, rustup's is on PATH. */
function routeRustc(route: Route): string {
  return route.env([]).RUSTC ?? 'rustc';
}

/** Whether `route` can build --relaxed-simd, asked of its rustc; for doctor and the build. */
export async function relaxedSimdBuildable(route: Route): Promise<{ ok: boolean; detail: string; fix?: string }> {
  const min = `${RELAXED_SIMD_MIN_RUSTC.major}.${RELAXED_SIMD_MIN_RUSTC.minor}`;
  if (rustcHasRelaxedIntrinsics(route.rustcVersion) === false) {
    return {
      ok: false,
      detail: `via ${route.kind}: ${route.rustcVersion} predates Rust ${min}, whose core::arch::wasm32 has the relaxed intrinsics`,
      fix: route.kind === 'rustup' ? 'rustup update stable' : `a rustc-web of Rust ${min} or later (apt-get install --only-upgrade rustc-web), or the rustup route`,
    };
  }
  const listed = await exec(routeRustc(route), ['--print', 'target-features', '--target', route.target], { env: route.env([]), timeoutMs: 15_000 });
  if (listed.code !== 0 || !/^\s*relaxed-simd\s/m.test(listed.stdout)) {
    return { ok: false, detail: `via ${route.kind}: ${route.rustcVersion} does not list the relaxed-simd target feature for ${route.target}` };
  }
  return { ok: true, detail: `via ${route.kind} (${route.rustcVersion} ≥ ${min})` };
}

/** Fails the build before cargo runs when the route's rustc cannot build the twin. */
export async function assertRelaxedSimdBuildable(route: Route): Promise<void> {
  const check = await relaxedSimdBuildable(route);
  if (check.ok) return;
  throw new ToolchainMissingError(`--relaxed-simd cannot be built ${check.detail}.${check.fix ? ` Fix: ${check.fix}.` : ''} Or build without --relaxed-simd.`);
}

/** The names (and kinds) a module imports and exports: what its glue binds to. */
function interfaceOf(bytes: Uint8Array): string[] {
  const layout = readModule(bytes);
  return [...layout.imports.map((i) => `import ${i.module}.${i.name}:${i.kind}`), ...layout.exports.map((e) => `export ${e.name}:${e.kind}`)].sort();
}

/**
 * The relaxed twin runs under the baseline's glue, so wasm-bindgen must have written the same
 * glue and types for both, over modules with the same imports and exports. Anything else
 * fails the build: a mismatched pair would break only on engines that pick the twin.
 */
export async function assertSameGlue(baselineDir: string, relaxedDir: string, libName: string): Promise<void> {
  for (const file of [`${libName}.js`, `${libName}.d.ts`]) {
    const [a, b] = await Promise.all([readFile(join(baselineDir, file), 'utf8'), readFile(join(relaxedDir, file), 'utf8')]);
    if (a !== b) {
      throw new CompileError(`wasm-bindgen wrote a different ${file} for the relaxed-SIMD build than for the baseline, so one glue cannot serve both modules. Build without --relaxed-simd, and report the crate.`);
    }
  }
  const wasm = `${libName}_bg.wasm`;
  const [a, b] = await Promise.all([readFile(join(baselineDir, wasm)), readFile(join(relaxedDir, wasm))]);
  const [baseline, relaxed] = [interfaceOf(a), interfaceOf(b)];
  const differs = [...baseline.filter((x) => !relaxed.includes(x)), ...relaxed.filter((x) => !baseline.includes(x))];
  if (differs.length > 0) {
    throw new CompileError(`the relaxed-SIMD module's imports and exports differ from the baseline's (${differs.slice(0, 5).join(', ')}), so one glue cannot serve both. Build without --relaxed-simd, and report the crate.`);
  }
}
