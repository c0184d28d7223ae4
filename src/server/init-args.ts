// The arguments of a package's init export, as the serve config names them: JSON values as
// they are, files read once (bytes, or text with "encoding": "utf8"). A missing file is a
// start-up error that names it, not a failure inside the guest.

import { readFile } from 'node:fs/promises';
import { OffloadLoadError } from '../runtime/index.js';
import type { InitConfig } from './config.js';

export async function readInitArgs(init: InitConfig, packageName: string): Promise<unknown[]> {
  return Promise.all(
    init.args.map(async (arg) => {
      if ('value' in arg) return arg.value;
      try {
        const bytes = await readFile(arg.file);
        return arg.encoding === 'utf8' ? bytes.toString('utf8') : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        throw new OffloadLoadError(`${packageName}'s init.args names ${arg.file}, which cannot be read: ${(error as Error).message}.`, error);
      }
    }),
  );
}
