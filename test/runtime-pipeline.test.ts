// A call handed ahead to a busy thread (so the thread starts it without waiting for the main
// thread) is still answered exactly once when the call in front of it traps or times out,
// and it counts against maxQueue like any waiting call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { load, type Offloaded } from '../src/runtime/index.js';
import { buildFixture } from './helpers/build-fixture.js';

type Faults = typeof import('./fixtures/runtime-faults/pkg/runtime_faults.js');

let pkgDir: string;
before(async () => {
  pkgDir = (await buildFixture('runtime-faults')).pkgDir;
});

describe('calls handed ahead to a busy thread', () => {
  let api: Offloaded<Faults>;
  before(async () => {
    api = await load<Faults>(pkgDir, { threads: 1, timeoutMs: 400, maxQueue: 1 });
  });
  after(() => api.$close());

  it('the call behind a panic runs on the replacement thread', async () => {
    const [trap, next] = await Promise.allSettled([api.panic_with('first'), api.ok()]);
    assert.equal(trap.status, 'rejected');
    assert.equal((trap as PromiseRejectedResult).reason.code, 'ERR_OFFLOAD_TRAP');
    assert.deepEqual(next, { status: 'fulfilled', value: 'ok' });
  });

  it('the call behind a timeout runs on the replacement thread, with its own full timeout', async () => {
    const [slow, next] = await Promise.allSettled([api.loop_forever(), api.ok()]);
    assert.equal((slow as PromiseRejectedResult).reason.code, 'ERR_OFFLOAD_TIMEOUT');
    assert.deepEqual(next, { status: 'fulfilled', value: 'ok' });
  });

  it('a handed-ahead call counts as waiting for maxQueue', async () => {
    const running = api.loop_forever();
    const waiting = api.ok();
    await assert.rejects(api.ok(), { code: 'ERR_OFFLOAD_QUEUE_FULL' });
    await assert.rejects(running, { code: 'ERR_OFFLOAD_TIMEOUT' });
    assert.equal(await waiting, 'ok');
    assert.equal(api.$metrics().queueDepth, 0);
  });
});
