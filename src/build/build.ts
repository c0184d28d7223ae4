import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OFFLOAD_VERSION } from '../version.js';
import { CompileError } from './errors.js';
import { ensureWasmBindgen, runWasmBindgen } from './bindgen.js';
import { cargoBuild } from './cargo.js';
import { installsPanicHook, missingPanicHookWarning } from './panic-hook.js';
import { findStartFunction, withoutStartFunction } from './start-function.js';
import { assertLibraryCrate, assertProgramCrate, readCrate, type CrateInfo } from './crate.js';
import { buildInputs, hashInputs, sha256File } from './fingerprint.js';
import { findLockfile, lockedWasmBindgenVersion } from './lockfile.js';
import { MANIFEST_SCHEMA, readManifest, writeManifest, type BuiltArtifact, type OffloadManifest, type SimdVariant } from '../package/manifest.js';
import type { EngineFeature } from '../wasm/engine-features.js';
import { simdUse } from '../wasm/simd-use.js';
import { writePackageJson } from './package-json.js';
import { consoleReporter, type Reporter } from './progress.js';
import { probeToolchain, requireRoute, type Route, type ToolchainProbe } from './toolchain.js';
import { runWasmOpt, wasmOptLevelFlag, wasmOptVersion, type OptLevel } from './wasm-opt.js';
import { pointRayonSnippetsAtGlue } from './rayon-snippet.js';
import { assertRelaxedSimdBuildable, assertSameGlue, relaxedWasmFile } from './relaxed-simd.js';
import { assertWritableDir, cargoTargetDir } from './writable.js';


export interface BuildOptions {
  /** 'library': wasm-bindgen package (default). 'wasi': a wasm32-wasip1 program. */
  target?: 'library' | 'wasi';
  simd?: boolean;
  /** Shared memory and atomics for rayon via wasm-bindgen-rayon; libraries only (docs/parallel.md). */
  threads?: boolean;
  /**
   * Also build a relaxed-SIMD twin of the module, which load() picks where the engine has
   * relaxed SIMD; libraries only, and shipped only if it uses relaxed instructions (docs/parallel.md).
   */
  relaxedSimd?: boolean;
  optLevel?: OptLevel;
  /** Defaults to <crate>/pkg, as with wasm-pack. */
  outDir?: string;
  targetDir?: string;
  /** Rebuild even when nothing changed. */
  force?: boolean;
  reporter?: Reporter;
}

export interface BuildResult {
  manifest: OffloadManifest;
  pkgDir: string;
  /** The (first) optimised .wasm. */
  wasmPath: string;
  gluePath?: string;
  dtsPath?: string;
  skipped: boolean;
}

function resultFor(pkgDir: string, manifest: OffloadManifest, skipped: boolean): BuildResult {
  const first = manifest.artifacts[0];
  return {
    manifest,
    pkgDir,
    wasmPath: join(pkgDir, first ? first.wasm : ''),
    gluePath: manifest.glue ? join(pkgDir, manifest.glue) : undefined,
    dtsPath: manifest.types ? join(pkgDir, manifest.types) : undefined,
    skipped,
  };
}

/** The previous output is reusable when its inputs hash the same and its files are intact. */
async function reusable(crateDir: string, pkgDir: string, settings: unknown): Promise<OffloadManifest | undefined> {
  const previous = await readManifest(pkgDir);
  if (!previous?.inputs) return undefined;
  // Built by an older offload, whose offload.json lacks what readers now take from it.
  if (previous.schema !== MANIFEST_SCHEMA) return undefined;
  // Built before offload.json recorded the exact Rust types: build again to learn them.
  if (previous.kind === 'library' && !previous.rustTypes) return undefined;
  if ((await hashInputs(crateDir, previous.inputs, settings)) !== previous.inputHash) return undefined;
  for (const artifact of previous.artifacts) {
    const hash = await sha256File(join(pkgDir, artifact.wasm)).catch(() => undefined);
    if (hash !== artifact.sha256) return undefined;
  }
  for (const file of [previous.glue, previous.types]) {
    if (file && !(await stat(join(pkgDir, file)).catch(() => undefined))) return undefined;
  }
  return previous;
}

/** The engine features a module built this way needs (see engine-features.ts). */
function engineFeatures(simd: SimdVariant, threads: boolean): EngineFeature[] {
  const features: EngineFeature[] = [];
  if (simd !== 'none') features.push('simd128');
  if (simd === 'relaxed-simd') features.push('relaxed-simd');
  if (threads) features.push('threads');
  return features;
}

/** Optimises `input` into `output` and describes the result. */
async function optimise(name: string, input: string, output: string, simd: SimdVariant, level: OptLevel, threads = false): Promise<BuiltArtifact> {
  const bytesBeforeOpt = (await stat(input)).size;
  await runWasmOpt(input, output, { level, simd: simd !== 'none', threads, relaxedSimd: simd === 'relaxed-simd' });
  return {
    name,
    wasm: output.split('/').at(-1) ?? output,
    bytesBeforeOpt,
    bytesAfterOpt: (await stat(output)).size,
    sha256: await sha256File(output),
    simd,
    engineFeatures: engineFeatures(simd, threads),
  };
}

/** Swaps the freshly written staging folder in for the old output in two renames. */
async function publish(staging: string, pkgDir: string): Promise<void> {
  const old = `${pkgDir}.old-${process.pid}`;
  await rename(pkgDir, old).catch(() => undefined);
  await rename(staging, pkgDir);
  await rm(old, { recursive: true, force: true });
}

interface Plan {
  crate: CrateInfo;
  route: Route;
  probe: ToolchainProbe;
  pkgDir: string;
  simd: boolean;
  threads: boolean;
  relaxedSimd: boolean;
  optLevel: OptLevel;
  reporter: Reporter;
  targetDir: string;
}

/** A manifest without its input hash yet, plus the cargo artifacts whose dep-info names the inputs. */
type Built = Omit<OffloadManifest, 'inputHash' | 'inputs'> & { cargoArtifacts: string[] };

async function buildLibrary(plan: Plan, staging: string): Promise<Built> {
  const { crate, route, reporter } = plan;
  const libName = crate.libName as string;
  const [artifact] = await cargoBuild(
    { manifestPath: crate.manifestPath, route, simd: plan.simd, threads: plan.threads, targetDir: plan.targetDir, artifactKind: 'cdylib' },
    reporter,
  );
  const lockfile = await findLockfile(crate.dir);
  if (!artifact || !lockfile) throw new CompileError('cargo reported success without an artifact or a Cargo.lock; run cargo build in the crate to see why, then report it.');
  if (!(await installsPanicHook({ dir: crate.dir, lockfile, cargoWasm: artifact.wasmPath }))) {
    reporter.info(missingPanicHookWarning(crate.name));
  }
  const bindgenVersion = await lockedWasmBindgenVersion(lockfile);
  const bindgen = await ensureWasmBindgen(bindgenVersion, plan.probe.hostCargo, reporter);
  const bindStep = reporter.step(`wasm-bindgen ${bindgenVersion} --target web`);
  await runWasmBindgen(bindgen, artifact.wasmPath, staging, libName);
  if (plan.threads) await pointRayonSnippetsAtGlue(staging, `${libName}.js`);
  bindStep.done();
  const wasmFile = join(staging, `${libName}_bg.wasm`);
  const optStep = reporter.step(`wasm-opt ${wasmOptLevelFlag(plan.optLevel, plan.threads)}`);
  const built = await optimise(libName, wasmFile, `${wasmFile}.opt`, plan.simd ? 'simd128' : 'none', plan.optLevel, plan.threads);
  await rename(`${wasmFile}.opt`, wasmFile);
  built.wasm = `${libName}_bg.wasm`;
  optStep.done(`${built.bytesBeforeOpt} → ${built.bytesAfterOpt} bytes`);
  const twin = plan.relaxedSimd ? await buildRelaxedTwin(plan, staging, bindgen) : undefined;
  const types = `${libName}.d.ts`;
  let dts = await readFile(join(staging, types), 'utf8');
  const startFunction = await findStartFunction(wasmFile);
  if (startFunction) {
    dts = withoutStartFunction(dts, startFunction);
    await writeFile(join(staging, types), dts);
  }
  return {
    // The twin's dep-info names the same sources, so the baseline's alone lists the inputs.
    cargoArtifacts: [artifact.wasmPath],
    schema: MANIFEST_SCHEMA,
    kind: 'library',
    name: crate.name,
    version: crate.version,
    target: route.target,
    artifacts: twin ? [built, twin] : [built],
    glue: `${libName}.js`,
    types,
    // TypeScript's parser takes ~300 ms to load, so only a real build pays for it.
    exports: (await import('../package/dts.js')).exportsFromDts(dts, types),
    startFunction,
    rustTypes: await (await import('./export-types.js')).readExportTypes(artifact.wasmPath),
    // The opt-in switches are written only when on, so a plain build's offload.json reads as
    // it always did ({ simd, optLevel }); to every reader an absent switch means off.
    options: { simd: plan.simd, optLevel: plan.optLevel, ...(plan.threads ? { threads: true } : {}), ...(plan.relaxedSimd ? { relaxedSimd: true } : {}) },
    toolchain: {
      route: route.kind,
      rustc: route.rustcVersion,
      wasmBindgen: bindgenVersion,
      wasmOpt: await wasmOptVersion(),
      offload: OFFLOAD_VERSION,
    },
  };
}

/**
 * Builds the crate again with relaxed SIMD, in its own cargo target subfolder (other rustflags
 * would otherwise overwrite the baseline's artifact and make each build redo the other), and
 * runs it through the same wasm-bindgen and wasm-opt steps. Returns undefined, with a note,
 * when the optimised twin has no relaxed-SIMD instruction: it would run exactly like the
 * baseline, and offload.json must not claim a variant that changes nothing.
 */
async function buildRelaxedTwin(plan: Plan, staging: string, bindgen: string): Promise<BuiltArtifact | undefined> {
  const { crate, route, reporter } = plan;
  const libName = crate.libName as string;
  const [artifact] = await cargoBuild(
    { manifestPath: crate.manifestPath, route, simd: true, relaxedSimd: true, threads: plan.threads, targetDir: join(plan.targetDir, 'relaxed-simd'), artifactKind: 'cdylib' },
    reporter,
  );
  if (!artifact) throw new CompileError('cargo reported success for the relaxed-SIMD build without an artifact; run cargo build in the crate to see why, then report it.');
  // Inside staging so a failed build leaves nothing behind; removed once its module is taken.
  const bindDir = join(staging, '.relaxed-simd');
  const bindStep = reporter.step('wasm-bindgen (relaxed-SIMD twin)');
  await runWasmBindgen(bindgen, artifact.wasmPath, bindDir, libName);
  if (plan.threads) await pointRayonSnippetsAtGlue(bindDir, `${libName}.js`);
  await assertSameGlue(staging, bindDir, libName);
  bindStep.done('same glue as the baseline');
  const optStep = reporter.step(`wasm-opt ${wasmOptLevelFlag(plan.optLevel, plan.threads)} --enable-relaxed-simd`);
  const twin = await optimise(libName, join(bindDir, `${libName}_bg.wasm`), join(staging, relaxedWasmFile(libName)), 'relaxed-simd', plan.optLevel, plan.threads);
  await rm(bindDir, { recursive: true, force: true });
  const { relaxed } = simdUse(await readFile(join(staging, twin.wasm)));
  if (relaxed === 0) {
    optStep.done('no relaxed-SIMD instructions');
    await rm(join(staging, twin.wasm));
    reporter.info(
      `note: ${crate.name} uses no relaxed-SIMD instruction (core::arch::wasm32::*relaxed* under #[cfg(target_feature = "relaxed-simd")]), ` +
        'so its relaxed build would run exactly like the baseline; only the baseline ships.',
    );
    return undefined;
  }
  optStep.done(`${twin.bytesBeforeOpt} → ${twin.bytesAfterOpt} bytes, ${relaxed} relaxed-SIMD instructions`);
  return twin;
}

async function buildProgram(plan: Plan, staging: string): Promise<Built> {
  const { crate, route, reporter } = plan;
  const binaries = await cargoBuild(
    { manifestPath: crate.manifestPath, route, simd: plan.simd, targetDir: plan.targetDir, artifactKind: 'bin' },
    reporter,
  );
  const optStep = reporter.step(`wasm-opt ${plan.optLevel === 'size' ? '-Oz' : '-O3'} (${binaries.length} programs)`);
  const artifacts: BuiltArtifact[] = [];
  for (const binary of binaries) {
    artifacts.push(await optimise(binary.name, binary.wasmPath, join(staging, `${binary.name}.wasm`), plan.simd ? 'simd128' : 'none', plan.optLevel));
  }
  optStep.done(artifacts.map((a) => `${a.name}: ${a.bytesBeforeOpt} → ${a.bytesAfterOpt} bytes`).join(', '));
  return {
    cargoArtifacts: binaries.map((b) => b.wasmPath),
    schema: MANIFEST_SCHEMA,
    kind: 'program',
    name: crate.name,
    version: crate.version,
    target: route.target,
    artifacts,
    options: { simd: plan.simd, optLevel: plan.optLevel },
    toolchain: { route: route.kind, rustc: route.rustcVersion, wasmOpt: await wasmOptVersion(), offload: OFFLOAD_VERSION },
  };
}

/** Builds a crate into wasm-pack's `pkg/` layout plus offload.json; skips when nothing changed. */
export async function buildPackage(crateDir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const reporter = options.reporter ?? consoleReporter();
  const kind = options.target ?? 'library';
  const crate = await readCrate(crateDir);
  if (kind === 'library') assertLibraryCrate(crate);
  else assertProgramCrate(crate);
  const pkgDir = resolve(options.outDir ?? join(crate.dir, 'pkg'));
  const probe = await probeToolchain();
  const route = await requireRoute(kind === 'library' ? 'wasm32-unknown-unknown' : 'wasm32-wasip1', probe);
  const simd = options.simd ?? true;
  const threads = options.threads ?? false;
  if (threads && kind !== 'library') {
    throw new CompileError('--threads builds libraries (wasm-bindgen-rayon); WASI programs have no helper threads to share a memory with.');
  }
  const relaxedSimd = options.relaxedSimd ?? false;
  if (relaxedSimd && kind !== 'library') {
    throw new CompileError('--relaxed-simd builds libraries, whose runtime picks a variant at load time; WASI programs ship one module.');
  }
  if (relaxedSimd && !simd) throw new CompileError('--relaxed-simd extends SIMD128, so it cannot be combined with --no-simd.');
  if (relaxedSimd) await assertRelaxedSimdBuildable(route);
  const optLevel = options.optLevel ?? 'speed';
  // Every setting is written out, off ones too: schema 3 rebuilds every older package once
  // anyway, so no fingerprint needs keeping by leaving a key out.
  const settings = { kind, simd, threads, relaxedSimd, optLevel, wasmOpt: wasmOptLevelFlag(optLevel, threads), route: route.kind, rustc: route.rustcVersion, offload: OFFLOAD_VERSION };
  if (!options.force) {
    const previous = await reusable(crate.dir, pkgDir, settings);
    if (previous) {
      reporter.info(`✓ ${crate.name} is up to date (${pkgDir}); --force rebuilds`);
      return resultFor(pkgDir, previous, true);
    }
  }

  const fix = 'Choose a writable folder with --out-dir / --target-dir (or CARGO_TARGET_DIR).';
  await assertWritableDir(join(pkgDir, '..'), 'output folder', fix);
  const targetDir = await cargoTargetDir(route.cargo, crate.manifestPath, options.targetDir);
  await assertWritableDir(targetDir, 'cargo target folder', fix);

  const staging = `${pkgDir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const plan: Plan = { crate, route, probe, pkgDir, simd, threads, relaxedSimd, optLevel, reporter, targetDir };
    const built = kind === 'library' ? await buildLibrary(plan, staging) : await buildProgram(plan, staging);
    // Read after cargo ran: the first build writes Cargo.lock, and dep-info lists what rustc read.
    const inputs = await buildInputs(crate.dir, {
      artifacts: built.cargoArtifacts,
      lockfile: await findLockfile(crate.dir),
      outDir: pkgDir,
    });
    const { cargoArtifacts: _, ...described } = built;
    const inputHash = await hashInputs(crate.dir, inputs, settings);
    if (!inputHash) throw new CompileError(`an input of ${crate.name} vanished during the build; build again`);
    const manifest: OffloadManifest = { ...described, inputs, inputHash };
    await writeManifest(staging, manifest);
    await writePackageJson(staging, manifest);
    await publish(staging, pkgDir);
    reporter.info(`✓ built ${crate.name} → ${pkgDir}`);
    return resultFor(pkgDir, manifest, false);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

