// A panic and running out of memory end a call the same way inside wasm (a bare
// `unreachable` when the crate has no panic hook), so offload tells them apart by what the
// module recorded: ERR_OFFLOAD_MEMORY only after a `memory.grow` really failed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffloadMemoryError, OffloadTrapError, load, type Offloaded } from '../src/runtime/index.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';

type NoHook = typeof import('./fixtures/no-panic-hook/pkg/no_panic_hook.js');
type Surface = typeof import('./fixtures/bindgen-surface/pkg/bindgen_surface.js');

let noHook: BuiltFixture;
let surface: BuiltFixture;
before(async () => {
  noHook = await buildFixture('no-panic-hook');
  surface = await buildFixture('bindgen-surface');
});

for (const mode of ['pool', 'inline'] as const) {
  describe(`panics and out-of-memory told apart (${mode})`, () => {
    let bare: Offloaded<NoHook>;
    let hooked: Offloaded<Surface>;
    before(async () => {
      bare = await load<NoHook>(noHook.pkgDir, { mode, memoryLimitMb: 32 });
      hooked = await load<Surface>(surface.pkgDir, { mode, memoryLimitMb: 32 });
    });
    after(async () => {
      await bare.$close();
      await hooked.$close();
    });

    test('a crate without a panic hook: a panic is ERR_OFFLOAD_TRAP that says how to see its message', async () => {
      await assert.rejects(bare.boom('secret'), (error: unknown) => {
        assert.ok(error instanceof OffloadTrapError, String(error));
        assert.equal(error.code, 'ERR_OFFLOAD_TRAP');
        assert.equal(error.kind, 'unreachable');
        assert.match(error.message, /panic message is unavailable/);
        assert.match(error.message, /console_error_panic_hook::set_once\(\)/);
        return true;
      });
      assert.equal(await bare.add(2, 3), 5);
    });

    test('a crate without a panic hook: a failed allocation is ERR_OFFLOAD_MEMORY with the limit', async () => {
      await assert.rejects(bare.grow_forever(), (error: unknown) => {
        assert.ok(error instanceof OffloadMemoryError, String(error));
        assert.equal(error.limitBytes, 32 * 2 ** 20);
        assert.match(error.message, /could not grow its memory/);
        return true;
      });
      // After a memory failure, a panic in a fresh instance is a panic again.
      await assert.rejects(bare.boom('again'), (error: unknown) => error instanceof OffloadTrapError);
    });

    test('with a panic hook: the panic message, and out of memory still ERR_OFFLOAD_MEMORY', async () => {
      await assert.rejects(hooked.boom('with a message'), (error: unknown) => {
        assert.ok(error instanceof OffloadTrapError, String(error));
        assert.equal(error.panicMessage, 'with a message');
        return true;
      });
      await assert.rejects(hooked.hoard(1000), OffloadMemoryError);
      assert.equal(await hooked.hoard(2), 2);
    });
  });
}
