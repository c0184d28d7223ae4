// load()'s `init`: an export every instance runs once as it starts, before any call, so state
// the calls share (a model's weights) is loaded per instance, and again in replacements.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffloadError, OffloadTrapError, load, type Offloaded } from '../src/runtime/index.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';

type InitState = typeof import('./fixtures/init-state/pkg/init_state.js');

let fixture: BuiltFixture;
before(async () => {
  fixture = await buildFixture('init-state');
});

const blob = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const blobSum = blob.reduce((sum, b) => sum + b, 0);
const expected = (name: string) => `hello ${name} (1000 bytes, sum ${blobSum})`;

for (const mode of ['pool', 'inline'] as const) {
  describe(`init (${mode})`, () => {
    let api: Offloaded<InitState>;
    before(async () => {
      api = await load<InitState>(fixture.pkgDir, { mode, threads: 2, init: { function: 'setup', args: ['hello', blob] } });
    });
    after(() => api.$close());

    test('every instance has run init before its first call', async () => {
      // Eight calls in flight reach both threads of the pool.
      const names = Array.from({ length: 8 }, (_, i) => `n${i}`);
      assert.deepEqual(await Promise.all(names.map((n) => api.greet(n))), names.map(expected));
    });

    test('the init function is not offered as a call', () => {
      assert.equal((api as unknown as Record<string, unknown>).setup, undefined);
    });

    test('an instance that replaces a trapped one runs init too', async () => {
      await assert.rejects(api.crash(), OffloadTrapError);
      assert.equal(await api.greet('again'), expected('again'));
    });

    test("the caller's bytes are left as they were (copied, not transferred)", () => {
      assert.equal(blob.byteLength, 1000);
      assert.equal(blob[250], 250);
    });
  });
}

describe('init failures fail load() with a typed error', () => {
  test('an init that returns Err', async () => {
    await assert.rejects(load<InitState>(fixture.pkgDir, { init: { function: 'setup', args: ['', blob] } }), (error: unknown) => {
      assert.ok(error instanceof OffloadError, String(error));
      assert.match(error.message, /the greeting must not be empty/);
      return true;
    });
  });

  test('an init that panics', async () => {
    await assert.rejects(load<InitState>(fixture.pkgDir, { init: { function: 'setup', args: ['panic', blob] } }), (error: unknown) => {
      assert.ok(error instanceof OffloadError, String(error));
      assert.match(error.message, /setup was told to panic/);
      return true;
    });
  });

  test('an init naming no export', async () => {
    await assert.rejects(load<InitState>(fixture.pkgDir, { init: { function: 'nope' } }), (error: unknown) => {
      assert.ok(error instanceof OffloadError, String(error));
      assert.equal(error.code, 'ERR_OFFLOAD_BAD_ARGUMENT');
      assert.match(error.message, /init names nope/);
      return true;
    });
  });
});
