// Builds a fixture crate into wasm-pack's layout (<crate>/pkg/<name>.js, <name>_bg.wasm,
// <name>.d.ts). Uses `offload build` (src/build/build.ts) once it exists; until then, and if
// it is missing, the manual recipe from DESIGN.md. Results are cached per process and on disk
// (pkg newer than every source file), because the machine is shared and std takes a while.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BuiltFixture {
  pkgDir: string;
  gluePath: string;
  wasmPath: string;
  dtsPath: string;
  name: string;
}

type BuildPackage = (
  crateDir: string,
  options?: { simd?: boolean; optLevel?: 'speed' | 'size'; log?: (line: string) => void; targetDir?: string },
) => Promise<BuiltFixture & { skipped: boolean }>;

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const sharedTargetDir = path.join(homedir(), '.cache', 'offload', 'test-target');
const wasmBindgenBin =
  process.env.OFFLOAD_WASM_BINDGEN ??
  path.join(homedir(), '.cache', 'offload', 'wasm-bindgen-cli', '0.2.130', 'bin', 'wasm-bindgen');

const inProcess = new Map<string, Promise<BuiltFixture>>();

export function buildFixture(crateDir: string): Promise<BuiltFixture> {
  const dir = path.resolve(fixturesDir, crateDir);
  let pending = inProcess.get(dir);
  if (!pending) {
    pending = build(dir);
    inProcess.set(dir, pending);
  }
  return pending;
}

async function build(crateDir: string): Promise<BuiltFixture> {
  const buildPackage = await findBuildPackage();
  if (buildPackage) {
    return buildPackage(crateDir, { simd: true, targetDir: sharedTargetDir });
  }
  return buildByHand(crateDir);
}

async function findBuildPackage(): Promise<BuildPackage | undefined> {
  const source = new URL('../../src/build/build.ts', import.meta.url);
  if (!existsSync(source)) return undefined;
  try {
    const mod = (await import(pathToFileURL(fileURLToPath(source)).href)) as { buildPackage?: BuildPackage };
    return typeof mod.buildPackage === 'function' ? mod.buildPackage : undefined;
  } catch {
    return undefined;
  }
}

function crateName(crateDir: string): string {
  // The fixtures use plain `name = "..."` lines; a full TOML parse is not needed here.
  const manifest = readFileSync(path.join(crateDir, 'Cargo.toml'), 'utf8');
  const match = /^name\s*=\s*"([^"]+)"/m.exec(manifest);
  if (!match?.[1]) throw new Error(`no package name in ${crateDir}/Cargo.toml`);
  return match[1].replaceAll('-', '_');
}

function newestSourceMtime(crateDir: string): number {
  let newest = statSync(path.join(crateDir, 'Cargo.toml')).mtimeMs;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  walk(path.join(crateDir, 'src'));
  return newest;
}

async function buildByHand(crateDir: string): Promise<BuiltFixture> {
  const name = crateName(crateDir);
  const pkgDir = path.join(crateDir, 'pkg');
  const result: BuiltFixture = {
    pkgDir,
    name,
    gluePath: path.join(pkgDir, `${name}.js`),
    wasmPath: path.join(pkgDir, `${name}_bg.wasm`),
    dtsPath: path.join(pkgDir, `${name}.d.ts`),
  };
  if (existsSync(result.wasmPath) && existsSync(result.gluePath) &&
      statSync(result.wasmPath).mtimeMs > newestSourceMtime(crateDir)) {
    return result;
  }
  const env = {
    ...process.env,
    RUSTC: '/usr/bin/rustc',
    RUSTC_BOOTSTRAP: '1',
    RUSTFLAGS: '-C target-feature=+simd128',
    CARGO_TARGET_DIR: sharedTargetDir,
  };
  await run('/usr/bin/cargo', [
    'build', '--release', '-Zbuild-std=std,panic_abort', '--target', 'wasm32-unknown-unknown',
  ], { cwd: crateDir, env, maxBuffer: 64 << 20 });
  const rawWasm = path.join(sharedTargetDir, 'wasm32-unknown-unknown', 'release', `${name}.wasm`);
  await run(wasmBindgenBin, ['--target', 'web', '--out-dir', pkgDir, rawWasm], { maxBuffer: 16 << 20 });
  return result;
}
