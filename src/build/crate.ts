import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { NoWasmBindgenError, NotACrateError, NotCdylibError, WrongCrateKindError } from './errors.js';
import { pathExists } from './paths.js';

export interface CrateInfo {
  dir: string;
  manifestPath: string;
  /** The package name as written in Cargo.toml. */
  name: string;
  version: string;
  /** The library's artifact name (cargo turns dashes into underscores). */
  libName?: string;
  binNames: string[];
  crateTypes: string[];
  hasWasmBindgen: boolean;
}

type Table = Record<string, unknown>;

function asTable(value: unknown): Table | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Table) : undefined;
}


/** wasm-bindgen counts whether it is a plain, target-specific or renamed dependency. */
function dependsOnWasmBindgen(manifest: Table): boolean {
  const tables: Table[] = [];
  const direct = asTable(manifest.dependencies);
  if (direct) tables.push(direct);
  for (const spec of Object.values(asTable(manifest.target) ?? {})) {
    const deps = asTable(asTable(spec)?.dependencies);
    if (deps) tables.push(deps);
  }
  return tables.some((deps) =>
    Object.entries(deps).some(([key, spec]) => key === 'wasm-bindgen' || asTable(spec)?.package === 'wasm-bindgen'),
  );
}

export async function readCrate(crateDir: string): Promise<CrateInfo> {
  const dir = resolve(crateDir);
  const manifestPath = join(dir, 'Cargo.toml');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new NotACrateError(
      `${dir} is not a Rust crate: it has no Cargo.toml. Point offload at the crate's folder, ` +
        'or create one with `offload new <name>`.',
    );
  }
  let manifest: Table;
  try {
    manifest = parse(text) as Table;
  } catch (error) {
    throw new NotACrateError(`${manifestPath} is not valid TOML: ${(error as Error).message}`);
  }
  const pkg = asTable(manifest.package);
  if (!pkg || typeof pkg.name !== 'string') {
    const hint = manifest.workspace ? ' It is a workspace root: point offload at one of its member crates.' : '';
    throw new NotACrateError(`${manifestPath} has no [package] with a name.${hint}`);
  }
  const lib = asTable(manifest.lib);
  const hasLib = Boolean(lib) || (await pathExists(join(dir, 'src', 'lib.rs')));
  const bins = Array.isArray(manifest.bin) ? manifest.bin.map(asTable) : [];
  const binNames = bins.map((bin) => (typeof bin?.name === 'string' ? bin.name : pkg.name as string));
  if (manifest.package && asTable(manifest.package)?.autobins !== false) {
    // Cargo's auto-discovery: src/main.rs, src/bin/<name>.rs and src/bin/<name>/main.rs.
    if (await pathExists(join(dir, 'src', 'main.rs'))) binNames.push(pkg.name);
    for (const entry of await readdir(join(dir, 'src', 'bin'), { withFileTypes: true }).catch(() => [])) {
      if (entry.isFile() && entry.name.endsWith('.rs')) binNames.push(entry.name.slice(0, -3));
      else if (entry.isDirectory() && (await pathExists(join(dir, 'src', 'bin', entry.name, 'main.rs')))) binNames.push(entry.name);
    }
  }
  const uniqueBins = [...new Set(binNames)];
  const crateTypes = Array.isArray(lib?.['crate-type']) ? (lib['crate-type'] as unknown[]).map(String) : [];
  const libName = hasLib ? (typeof lib?.name === 'string' ? lib.name : pkg.name).replaceAll('-', '_') : undefined;
  return {
    dir,
    manifestPath,
    name: pkg.name,
    version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
    libName,
    binNames: uniqueBins,
    crateTypes,
    hasWasmBindgen: dependsOnWasmBindgen(manifest),
  };
}

/** The checks a library build needs, each failing with the edit that fixes it. */
export function assertLibraryCrate(crate: CrateInfo): asserts crate is CrateInfo & { libName: string } {
  if (!crate.libName) {
    if (crate.binNames.length > 0) {
      throw new WrongCrateKindError(
        `${crate.name} is a binary crate (fn main, no library). Build it as a WASI program with ` +
          '`offload build --target wasi`, or add a src/lib.rs with #[wasm_bindgen] functions.',
      );
    }
    throw new NotACrateError(`${crate.name} has neither src/lib.rs nor a [lib] section: there is nothing to build.`);
  }
  if (!crate.crateTypes.includes('cdylib')) {
    throw new NotCdylibError(
      `${crate.manifestPath} does not build a cdylib, so cargo would produce no .wasm. Add to it:\n\n` +
        '[lib]\ncrate-type = ["cdylib", "rlib"]\n',
    );
  }
  if (!crate.hasWasmBindgen) {
    throw new NoWasmBindgenError(
      `${crate.name} does not depend on wasm-bindgen, so no function would be exported to JavaScript. ` +
        'Add to its Cargo.toml:\n\n[dependencies]\nwasm-bindgen = "0.2"\n\nand mark functions with #[wasm_bindgen].',
    );
  }
}

/** The checks a WASI program build needs. */
export function assertProgramCrate(crate: CrateInfo): void {
  if (crate.binNames.length === 0) {
    throw new WrongCrateKindError(
      `${crate.name} has no binary (no src/main.rs and no [[bin]]). --target wasi builds programs with ` +
        'fn main; build libraries with plain `offload build`.',
    );
  }
}
