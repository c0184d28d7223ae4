// --watch: reload a package when its built files change. `offload build` swaps the whole pkg/
// folder in with two renames, which an inode-based fs.watch on the folder would lose, so the
// files are watched by path (stat polling). Changes are debounced so a build that writes
// several files causes one reload, after the last of them.

import { existsSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE } from '../package/manifest.js';
import type { HostedPackage } from './hosted-package.js';

const POLL_MS = 200;
const SETTLE_MS = 300;

export function watchPackage(pkg: HostedPackage): () => void {
  const { dir, gluePath, dtsPath, wasmPath } = pkg.files;
  // Plain wasm-bindgen output may lack the .d.ts and offload.json; what exists is watched.
  const files = [gluePath, wasmPath, dtsPath, path.join(dir, MANIFEST_FILE)].filter((f) => existsSync(f));
  let timer: NodeJS.Timeout | undefined;
  const onChange = (current: Stats): void => {
    // A file that vanished is mid-swap; the reload waits for it to come back.
    if (current.mtimeMs === 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (files.every((f) => existsSync(f))) void pkg.reload();
    }, SETTLE_MS);
  };
  for (const file of files) watchFile(file, { interval: POLL_MS, persistent: false }, onChange);
  return () => {
    clearTimeout(timer);
    for (const file of files) unwatchFile(file, onChange);
  };
}
