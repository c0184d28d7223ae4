// Builds a fixture crate into wasm-pack's layout (<crate>/pkg/<name>.js, <name>_bg.wasm,
// <name>.d.ts) with `offload build` itself, so the tests exercise the same build users run.
// Builds are cached per process, and on disk by offload build's own input fingerprint; all
// fixtures share one cargo target folder, because the machine is shared and std takes a while.
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../../src/build/build.js';

export interface BuiltFixture {
  pkgDir: string;
  gluePath: string;
  wasmPath: string;
  dtsPath: string;
  name: string;
}

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const sharedTargetDir = path.join(homedir(), '.cache', 'offload', 'test-target');

const inProcess = new Map<string, Promise<BuiltFixture>>();

export function buildFixture(crateDir: string): Promise<BuiltFixture> {
  const dir = path.resolve(fixturesDir, crateDir);
  let pending = inProcess.get(dir);
  if (!pending) {
    pending = buildPackage(dir, { simd: true, targetDir: sharedTargetDir }).then((built) => {
      if (!built.gluePath || !built.dtsPath) throw new Error(`${dir} is not a library crate`);
      return { pkgDir: built.pkgDir, wasmPath: built.wasmPath, gluePath: built.gluePath, dtsPath: built.dtsPath, name: built.manifest.name };
    });
    inProcess.set(dir, pending);
  }
  return pending;
}
