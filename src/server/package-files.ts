// Finds a built package's files from whatever the user pointed at, without loading anything:
// the routes and schemas are derived from these before any module is compiled.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { OffloadLoadError } from '../runtime/index.js';

export interface PackageFiles {
  pkgDir: string;
  /** The route prefix: the crate's name from offload.json, else the glue's file name. */
  name: string;
  gluePath: string;
  dtsPath: string;
}

/** Accepts a pkg/ folder, a crate folder with a built pkg/, or the .js glue itself. */
export function locatePackage(location: string): PackageFiles {
  let target = path.resolve(location);
  if (!existsSync(target)) throw new OffloadLoadError(`no package at ${target}. Run \`offload build <crate>\` first.`);
  if (existsSync(path.join(target, 'Cargo.toml'))) {
    const pkg = path.join(target, 'pkg');
    if (!existsSync(pkg)) throw new OffloadLoadError(`${target} is a crate that has not been built. Run \`offload build ${location}\` first.`);
    target = pkg;
  }
  const pkgDir = target.endsWith('.js') ? path.dirname(target) : target;
  const manifest = readJson(path.join(pkgDir, 'offload.json')) as { name?: string; glue?: string; types?: string } | undefined;
  const glueFile = target.endsWith('.js') ? path.basename(target) : (manifest?.glue ?? findGlue(pkgDir));
  const gluePath = path.join(pkgDir, glueFile);
  const dtsPath = path.join(pkgDir, manifest?.types ?? glueFile.replace(/\.m?js$/, '.d.ts'));
  if (!existsSync(gluePath) || !existsSync(dtsPath)) {
    throw new OffloadLoadError(`${pkgDir} lacks its glue or .d.ts (${path.basename(gluePath)}, ${path.basename(dtsPath)}). Rebuild it with \`offload build\`.`);
  }
  const name = manifest?.name ?? glueFile.replace(/\.m?js$/, '');
  return { pkgDir, name, gluePath, dtsPath };
}

function findGlue(pkgDir: string): string {
  const wasm = readdirSync(pkgDir).filter((f) => f.endsWith('_bg.wasm'));
  if (wasm.length !== 1 || !wasm[0]) {
    throw new OffloadLoadError(`cannot tell which package ${pkgDir} holds (${wasm.length} *_bg.wasm files). Pass its .js glue instead.`);
  }
  return wasm[0].replace(/_bg\.wasm$/, '.js');
}


function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}
