// Builds the same crate with `offload build --threads` into pkg-threads/ (a no-op when nothing
// changed). Its own cargo target folder: atomics change RUSTFLAGS and std is rebuilt with
// them, which would otherwise throw away the single-thread build's artefacts, and the other
// way round.
import { homedir } from 'node:os';
import path from 'node:path';
import { buildPackage } from '../../../src/build/build.js';
import { consoleReporter, silentReporter } from '../../../src/build/progress.js';
import { crateDir, threadedPkgDir } from './paths.js';

export const threadsTargetDir = path.join(homedir(), '.cache', 'offload', 'embeddings-threads-target');

export async function buildEmbeddingsThreads(options: { quiet?: boolean } = {}): Promise<{ pkgDir: string; skipped: boolean }> {
  const result = await buildPackage(crateDir, {
    threads: true,
    outDir: threadedPkgDir,
    targetDir: threadsTargetDir,
    reporter: options.quiet ? silentReporter : consoleReporter(),
  });
  return { pkgDir: result.pkgDir, skipped: result.skipped };
}
