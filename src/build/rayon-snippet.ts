// wasm-bindgen-rayon's worker script finds the package with `import('../../..')`, a
// directory import that bundlers resolve and Node's ES module loader refuses
// (ERR_UNSUPPORTED_DIR_IMPORT). offload knows the glue's file name, so a threaded build
// names it; see docs/parallel.md.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CompileError } from './errors.js';

const DIRECTORY_IMPORT = "import('../../..')";
const SNIPPET_FILE = 'workerHelpers.js';

async function filesNamed(dir: string, name: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && entry.name === name).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Points every wasm-bindgen-rayon worker script under `pkgDir/snippets` at `glueFile`.
 * Returns how many it rewrote; a script without the expected import is an error, because
 * its helpers would then fail in Node only at run time.
 */
export async function pointRayonSnippetsAtGlue(pkgDir: string, glueFile: string): Promise<number> {
  const snippets = (await filesNamed(join(pkgDir, 'snippets'), SNIPPET_FILE)).filter((file) => file.includes('wasm-bindgen-rayon-'));
  for (const file of snippets) {
    const source = await readFile(file, 'utf8');
    if (!source.includes(DIRECTORY_IMPORT)) {
      throw new CompileError(
        `${relative(pkgDir, file)} no longer contains ${DIRECTORY_IMPORT}; this wasm-bindgen-rayon version is not one offload knows how to run in Node. Pin wasm-bindgen-rayon = "1.3" and report it.`,
      );
    }
    // The snippet sits below the package folder, so the path always starts with '../'.
    const glue = relative(join(file, '..'), join(pkgDir, glueFile));
    await writeFile(file, source.replaceAll(DIRECTORY_IMPORT, `import('${glue}')`));
  }
  return snippets.length;
}
