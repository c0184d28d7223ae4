// The serve config's `init` entry: the export each instance of a package runs once as it
// starts, and its arguments (JSON values, or files read once as bytes or text).
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { OffloadError } from '../src/errors.js';
import { parseServeConfig } from '../src/server/config.js';
import { readInitArgs } from '../src/server/init-args.js';

const base = '/srv/app';

describe('serve config: init', () => {
  test('files resolve against the config folder (or home for ~/), values stay as they are', () => {
    const config = parseServeConfig(
      {
        packages: {
          embeddings: {
            path: 'embeddings',
            init: { function: 'init', args: [{ file: 'model.bin' }, { file: '~/vocab.json', encoding: 'utf8' }, 42, { k: 5 }] },
          },
        },
      },
      base,
    );
    assert.deepEqual(config.packages[0], {
      path: path.join(base, 'embeddings'),
      init: {
        function: 'init',
        args: [{ file: path.join(base, 'model.bin') }, { file: path.join(homedir(), 'vocab.json'), encoding: 'utf8' }, { value: 42 }, { value: { k: 5 } }],
      },
    });
  });

  test('a package without init has no init key', () => {
    assert.deepEqual(parseServeConfig({ packages: ['hello'] }, base).packages, [{ path: path.join(base, 'hello') }]);
  });

  for (const [what, init, message] of [
    ['no function', { args: [] }, /packages\.p\.init needs "function"/],
    ['args not a list', { function: 'init', args: 'model.bin' }, /packages\.p\.init\.args must be a list/],
    ['a file that is not a path', { function: 'init', args: [{ file: 3 }] }, /packages\.p\.init\.args\[0\]\.file must be a path/],
    ['an unknown encoding', { function: 'init', args: [{ file: 'a', encoding: 'latin1' }] }, /encoding must be "utf8"/],
  ] as const) {
    test(`refused with ERR_OFFLOAD_BAD_ARGUMENT: ${what}`, () => {
      assert.throws(
        () => parseServeConfig({ packages: { p: { path: 'p', init } } }, base),
        (error: unknown) => error instanceof OffloadError && error.code === 'ERR_OFFLOAD_BAD_ARGUMENT' && message.test(error.message),
      );
    });
  }
});

describe('serve config: init arguments are read once at start-up', () => {
  test('bytes, text and values; a missing file is ERR_OFFLOAD_LOAD naming it', async () => {
    const here = path.join(import.meta.dirname, 'fixtures', 'init-state', 'Cargo.toml');
    const [bytes, text, value] = await readInitArgs({ function: 'init', args: [{ file: here }, { file: here, encoding: 'utf8' }, { value: 7 }] }, 'p');
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(Buffer.from(bytes).toString('utf8'), text);
    assert.match(String(text), /name = "init-state"/);
    assert.equal(value, 7);
    await assert.rejects(readInitArgs({ function: 'init', args: [{ file: '/nonexistent/model.bin' }] }, 'p'), (error: unknown) => {
      assert.ok(error instanceof OffloadError);
      assert.equal(error.code, 'ERR_OFFLOAD_LOAD');
      assert.match(error.message, /p's init\.args names \/nonexistent\/model\.bin/);
      return true;
    });
  });
});
