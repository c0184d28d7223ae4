// Builds the crate into pkg/ with `offload build`'s library code (a no-op when nothing
// changed), in the cargo target folder the test suite shares.
import { homedir } from 'node:os';
import path from 'node:path';
import { buildPackage } from '../../../src/build/build.js';
import { consoleReporter, silentReporter } from '../../../src/build/progress.js';
import { crateDir } from './paths.js';

export const sharedTargetDir = path.join(homedir(), '.cache', 'offload', 'test-target');

export async function buildEmbeddings(options: { quiet?: boolean } = {}): Promise<{ pkgDir: string }> {
  const result = await buildPackage(crateDir, {
    targetDir: process.env.CARGO_TARGET_DIR ?? sharedTargetDir,
    reporter: options.quiet ? silentReporter : consoleReporter(),
  });
  return { pkgDir: result.pkgDir };
}
