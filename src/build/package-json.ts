// wasm-pack's package.json, so a built folder can be published or installed as it is.

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OffloadManifest } from '../package/manifest.js';

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
