import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { OffloadError } from '../errors.js';

export class InvalidNameError extends OffloadError {
  constructor(message: string) {
    super('ERR_OFFLOAD_INVALID_NAME', message);
  }
}

const cargoToml = (name: string) => `[package]
name = "${name}"
version = "0.1.0"
edition = "2021"

[lib]
# cdylib is the .wasm; rlib lets \`cargo test\` run the unit tests natively.
crate-type = ["cdylib", "rlib"]

[dependencies]
wasm-bindgen = "0.2"
# Turns a Rust panic into an error with its message; without it a panic is a bare trap.
console_error_panic_hook = "0.1"

[profile.release]
opt-level = 3
lto = true
codegen-units = 1
`;

const libRs = `use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: installs the panic hook, so a panic reaches
/// JavaScript with its message and location instead of a bare \`unreachable\`.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Greets someone. From TypeScript: \`await mod.greet("World")\`.
#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// Sums a slice of numbers; a Float64Array on the JavaScript side.
#[wasm_bindgen]
pub fn sum(values: &[f64]) -> f64 {
    values.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greets_by_name() {
        assert_eq!(greet("World"), "Hello, World!");
    }

    #[test]
    fn sums() {
        assert_eq!(sum(&[1.0, 2.0, 3.5]), 6.5);
    }
}
`;

const indexTs = (libName: string) => `// Calls the Rust functions in src/lib.rs. Build first: \`offload build\`.
import { readFileSync } from 'node:fs';
import { greet, initSync, sum } from './pkg/${libName}.js';

initSync({ module: readFileSync(new URL('./pkg/${libName}_bg.wasm', import.meta.url)) });

console.log(greet('World'));
console.log(sum(new Float64Array([1, 2, 3.5])));
`;

const packageJson = (name: string) =>
  `${JSON.stringify(
    {
      name,
      private: true,
      type: 'module',
      scripts: { build: 'offload build', test: 'cargo test', start: 'node --import tsx index.ts' },
    },
    null,
    2,
  )}\n`;

/** Creates a crate that `offload build` accepts as it is, plus TypeScript that calls it. */
export async function scaffoldCrate(target: string): Promise<{ dir: string; name: string }> {
  const dir = resolve(target);
  const name = basename(dir);
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw new InvalidNameError(
      `"${name}" cannot be a crate name: use letters, digits, "-" and "_", starting with a letter.`,
    );
  }
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    throw new InvalidNameError(`${dir} already exists and is not empty; choose another name or folder.`);
  }
  const libName = name.replaceAll('-', '_');
  await mkdir(join(dir, 'src'), { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'Cargo.toml'), cargoToml(name)),
    writeFile(join(dir, 'src', 'lib.rs'), libRs),
    writeFile(join(dir, 'index.ts'), indexTs(libName)),
    writeFile(join(dir, 'package.json'), packageJson(name)),
    writeFile(join(dir, '.gitignore'), 'target/\npkg/\nnode_modules/\n'),
  ]);
  return { dir, name };
}
