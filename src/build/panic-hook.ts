import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';

/**
 * Whether a library crate installs a panic hook, so that a Rust panic reaches JavaScript with
 * its message. Without one, Rust on wasm32 aborts with a bare `unreachable`, and offload can
 * only report that the panic message is unavailable.
 */

const HOOK_CRATE = 'console_error_panic_hook';

/** The custom sections of a wasm module, by name (e.g. "name", "producers"). */
function customSections(wasm: Uint8Array): Map<string, Uint8Array> {
  const sections = new Map<string, Uint8Array>();
  const leb = (at: number): [value: number, next: number] => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = wasm[at++] ?? 0;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return [value, at];
    }
  };
  let at = 8; // magic and version
  while (at < wasm.length) {
    const id = wasm[at++];
    const [size, body] = leb(at);
    at = body + size;
    if (id !== 0) continue;
    const [nameLength, nameStart] = leb(body);
    const name = Buffer.from(wasm.subarray(nameStart, nameStart + nameLength)).toString('utf8');
    sections.set(name, wasm.subarray(nameStart + nameLength, at));
  }
  return sections;
}

/**
 * What the linker kept, read from the function names of the wasm cargo wrote (before
 * wasm-bindgen and wasm-opt strip them): console_error_panic_hook's `hook` survives linking
 * only when something passes it to `std::panic::set_hook`, i.e. calls `set_once()` or `hook`.
 * Undefined when the module has no name section (e.g. `strip = true`), so it cannot tell.
 */
export function hookLinkedIn(wasm: Uint8Array): boolean | undefined {
  const names = customSections(wasm).get('name');
  if (!names) return undefined;
  // Legacy mangling: `_ZN24console_error_panic_hook4hook17h…E`; v0: `…24console_error_panic_hook4hook`.
  return Buffer.from(names).includes(`${HOOK_CRATE.length}${HOOK_CRATE}4hook`);
}

async function rustSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return rustSources(path);
      return Promise.resolve(entry.name.endsWith('.rs') ? [path] : []);
    }),
  );
  return nested.flat();
}

/** The fallback without function names: the lockfile has the crate and a source calls it. */
async function hookInSources(crateDir: string, lockfile: string | undefined): Promise<boolean> {
  if (!lockfile) return false;
  const lock = parse(await readFile(lockfile, 'utf8')) as { package?: Array<{ name?: string }> };
  if (!(lock.package ?? []).some((pkg) => pkg.name === HOOK_CRATE)) return false;
  for (const file of await rustSources(join(crateDir, 'src'))) {
    if (/console_error_panic_hook\s*::\s*(set_once|hook)\b/.test(await readFile(file, 'utf8'))) return true;
  }
  return false;
}

/** Decides from the built module when it can, else from the crate's lockfile and sources. */
export async function installsPanicHook(crate: { dir: string; lockfile?: string; cargoWasm: string }): Promise<boolean> {
  const linked = hookLinkedIn(await readFile(crate.cargoWasm));
  return linked ?? hookInSources(crate.dir, crate.lockfile);
}

export function missingPanicHookWarning(crateName: string): string {
  return (
    `⚠ ${crateName} installs no panic hook: a Rust panic reaches JavaScript as a bare \`unreachable\`, ` +
    'so offload can only say "panic message unavailable". To get the message and its location, add to Cargo.toml\n' +
    `    ${HOOK_CRATE} = "0.1"\n` +
    'and to src/lib.rs\n' +
    `    #[wasm_bindgen(start)]\n    fn start() { ${HOOK_CRATE}::set_once(); }`
  );
}
