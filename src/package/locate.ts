// Finds a built package's files from whatever the user pointed at (a crate folder with a
// built pkg/, the pkg/ folder, the .js glue, or a file: URL of any of these) without loading
// anything. The runtime, the server and --watch all start here.

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OffloadBadArgumentError, OffloadLoadError } from '../runtime/errors.js';
import { readManifestSync, type OffloadManifest } from './manifest.js';

export type PackageLocation = string | URL;

export interface PackageFiles {
  /** The folder holding the glue, the .wasm and (from `offload build`) offload.json. */
  dir: string;
  /** The crate's name from offload.json, else the glue's file name. */
  name: string;
  gluePath: string;
  /** The glue's TypeScript declarations; plain wasm-bindgen output may lack them. */
  dtsPath: string;
  wasmPath: string;
  /** undefined for plain wasm-bindgen output. */
  manifest: OffloadManifest | undefined;
}

export function locatePackage(location: PackageLocation): PackageFiles {
  let target = toPath(location);
  if (!existsSync(target)) {
    throw new OffloadLoadError(`no package at ${target}. Run \`offload build <crate>\` first, then pass the crate folder, its pkg/ or the .js glue.`);
  }
  if (statSync(target).isDirectory() && existsSync(path.join(target, 'Cargo.toml'))) {
    const built = path.join(target, 'pkg');
    if (!existsSync(built)) throw new OffloadLoadError(`${target} is a crate that has not been built. Run \`offload build ${target}\` first.`);
    target = built;
  }
  const isDir = statSync(target).isDirectory();
  const dir = isDir ? target : path.dirname(target);
  const manifest = readManifestSync(dir);
  const gluePath = isDir ? path.join(dir, manifest?.glue ?? findGlue(dir)) : target;
  const stem = path.basename(gluePath).replace(/\.m?js$/, '');
  const wasmPath = path.join(dir, `${stem}_bg.wasm`);
  if (!existsSync(gluePath) || !existsSync(wasmPath)) {
    throw new OffloadLoadError(
      `${dir} lacks the glue or the .wasm beside it (${path.basename(gluePath)}, ${stem}_bg.wasm). ` +
        'Pass the .js glue written by `wasm-bindgen --target web`, or rebuild with `offload build`.',
    );
  }
  const dtsPath = path.join(dir, manifest?.types ?? `${stem}.d.ts`);
  return { dir, name: manifest?.name ?? stem, gluePath, dtsPath, wasmPath, manifest };
}

function toPath(location: PackageLocation): string {
  if (!(location instanceof URL) && !/^file:/i.test(location)) return path.resolve(location);
  const url = location instanceof URL ? location : new URL(location);
  if (url.protocol !== 'file:') {
    throw new OffloadBadArgumentError(`load() takes a path or a file: URL, not ${url.protocol} URLs. Download the package first.`);
  }
  return fileURLToPath(url);
}

/** Without offload.json: wasm-bindgen's <name>_bg.wasm beside <name>.js. */
function findGlue(dir: string): string {
  const wasm = readdirSync(dir).filter((f) => f.endsWith('_bg.wasm'));
  if (wasm.length !== 1 || !wasm[0]) {
    throw new OffloadLoadError(`cannot tell which package ${dir} holds (${wasm.length} *_bg.wasm files). Pass the path of its .js glue instead.`);
  }
  return wasm[0].replace(/_bg\.wasm$/, '.js');
}
