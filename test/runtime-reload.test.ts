// load() after `offload build` rebuilt a package in the same process gets the new code.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildPackage } from '../src/build/build.js';
import { silentReporter } from '../src/build/progress.js';
import { load } from '../src/runtime/index.js';
import { copyCrate, repoRoot, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

type Hello = { say(s: string): string; initSync: unknown; default: unknown };

const root = suiteTempDir('reload');

describe('load() after a rebuild', () => {
  it('runs the rebuilt code, on the main thread and in the pool', async () => {
    const crate = join(root.path, 'hello');
    await copyCrate(join(repoRoot, 'examples', 'hello'), crate);
    // Renamed: in the shared target dir a cdylib's output is named after its crate, so a copy
    // still called `hello` that says "hi" would overwrite examples/hello's own build there.
    const manifest = join(crate, 'Cargo.toml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('name = "hello"', 'name = "hello_reload"'));
    const options = { targetDir: sharedTargetDir, reporter: silentReporter };
    const first = await buildPackage(crate, options);
    const before = await load<Hello>(first.pkgDir, { threads: 1 });
    const inlineBefore = await load<Hello>(first.pkgDir, { mode: 'inline' });
    assert.equal(await before.say('World'), 'hello World');
    assert.equal(await inlineBefore.say('World'), 'hello World');

    const lib = join(crate, 'src', 'lib.rs');
    await writeFile(lib, (await readFile(lib, 'utf8')).replace('push_str("hello ")', 'push_str("hi ")'));
    const second = await buildPackage(crate, options);
    assert.equal(second.skipped, false);
    const afterPool = await load<Hello>(second.pkgDir, { threads: 1 });
    const afterInline = await load<Hello>(second.pkgDir, { mode: 'inline' });
    assert.equal(await afterPool.say('World'), 'hi World');
    assert.equal(await afterInline.say('World'), 'hi World');
    await Promise.all([before.$close(), inlineBefore.$close(), afterPool.$close(), afterInline.$close()]);
  });
});
