// examples/image built with `offload build --threads`: the same crate, its blur rows spread over
// rayon's pool. Through load() with 2 rayon threads it must give exactly the bytes of the
// single-thread package (test/examples-image.test.ts checks those against plain JavaScript),
// and a call that runs too long is cut off and the instance replaced like any package's.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { load, OffloadError, type Offloaded } from '../src/index.js';
import { dataDir, type ImageKernels } from '../examples/image/api.js';
import { buildImageWasm, buildImageWasmThreads } from '../examples/image/build.js';

/** Where two equal-length buffers first differ, or -1: a readable failure for megabytes. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  return a.findIndex((byte, i) => byte !== b[i]);
}

describe('examples/image with --threads', { timeout: 900_000 }, () => {
  let single: Offloaded<ImageKernels>;
  let threaded: Offloaded<ImageKernels>;
  let photo: { rgba: Uint8Array; width: number; height: number };

  before(async () => {
    // One at a time: both builds use cargo, and the machine's cores are shared.
    const singleDir = await buildImageWasm();
    const threadedDir = await buildImageWasmThreads();
    single = await load<ImageKernels>(singleDir, { threads: 1 });
    threaded = await load<ImageKernels>(threadedDir, { threadsPerInstance: 2, timeoutMs: 60_000 });
    // retina.jpg: 1411x1411, the photo bench/image.ts blurs.
    const jpeg = new Uint8Array(await readFile(path.join(dataDir, 'retina.jpg')));
    const [width, height] = [...(await single.dimensions(jpeg))] as [number, number];
    photo = { rgba: await single.decode(jpeg), width, height };
  });
  after(async () => {
    await single?.$close();
    await threaded?.$close();
  });

  test("the blur's rows are spread over the 2 rayon threads offload started (1 in the plain build)", async () => {
    assert.equal(await threaded.blur_threads(), 2);
    assert.equal(await single.blur_threads(), 1);
  });

  test('the threaded blur of a photo is byte for byte the single-thread one', async () => {
    const { rgba, width, height } = photo;
    for (const sigma of [0.8, 3, 12]) {
      const expected = await single.blur(rgba, width, height, sigma);
      const actual = await threaded.blur(rgba, width, height, sigma);
      assert.equal(firstDifference(actual, expected), -1, `sigma ${sigma}`);
      assert.notEqual(firstDifference(actual, rgba), -1, 'the photo was actually blurred');
    }
  });

  test('images with fewer rows than threads, or one column, match too', async () => {
    const { rgba, width } = photo;
    const stride = width * 4;
    const oneRow = rgba.subarray(0, stride);
    const column = Uint8Array.from({ length: 300 * 4 }, (_, i) => rgba[Math.floor(i / 4) * stride + (i % 4)]!);
    for (const [pixels, w, h] of [[oneRow, width, 1], [column, 1, 300], [rgba.subarray(0, 4), 1, 1]] as const) {
      const expected = await single.blur(pixels, w, h, 2.5);
      assert.equal(firstDifference(await threaded.blur(pixels, w, h, 2.5), expected), -1, `${w}x${h}`);
    }
  });

  test('a bad argument is a guest error and the instance keeps working', async () => {
    await assert.rejects(threaded.blur(new Uint8Array(16), 2, 2, -1), (error: unknown) => {
      assert.ok(error instanceof OffloadError, String(error));
      assert.equal(error.code, 'ERR_OFFLOAD_GUEST_ERROR');
      assert.match(error.message, /sigma/);
      return true;
    });
    assert.equal(threaded.$metrics().workersReplaced, 0);
  });

  test('a blur past its timeout is cut off, and a fresh instance with its own rayon threads takes over', async () => {
    const { rgba, width, height } = photo;
    // sigma 200 is 1201 taps per pass over 8 MB: seconds of work even on both threads.
    await assert.rejects(threaded.$with({ timeoutMs: 100 }).blur(rgba, width, height, 200), (error: unknown) => {
      assert.ok(error instanceof OffloadError, String(error));
      assert.equal(error.code, 'ERR_OFFLOAD_TIMEOUT');
      return true;
    });
    assert.equal(threaded.$metrics().workersReplaced, 1);
    assert.equal(await threaded.blur_threads(), 2);
    const expected = await single.blur(rgba, width, height, 3);
    assert.equal(firstDifference(await threaded.blur(rgba, width, height, 3), expected), -1);
  });
});
