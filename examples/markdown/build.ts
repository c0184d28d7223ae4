// Builds this crate into examples/markdown/pkg with `offload build`'s library route (skipped
// when nothing changed). The cargo target folder is the one the test suite shares, so std for
// wasm is compiled once for every crate on the machine.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage, type BuildResult } from '../../src/build/build.js';
import { consoleReporter, silentReporter } from '../../src/build/progress.js';

export const crateDir = fileURLToPath(new URL('.', import.meta.url));
export const pkgDir = join(crateDir, 'pkg');
const sharedTargetDir = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'offload', 'test-target');

export function buildMarkdown(options: { quiet?: boolean } = {}): Promise<BuildResult> {
  return buildPackage(crateDir, {
    targetDir: sharedTargetDir,
    reporter: options.quiet ? silentReporter : consoleReporter(),
  });
}
