// examples/image: the photo kernels, called the way users call them (through load()), checked
// against an independent decoder (sharp) and against plain-JS references on small images.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { load, OffloadError, type Offloaded } from '../src/index.js';
import { dataDir, type ImageKernels } from '../examples/image/api.js';
import { buildImageWasm } from '../examples/image/build.js';
import { blurJs, grayscaleJs } from '../examples/image/reference.js';

/** A small deterministic RGBA image: smooth gradients plus pseudo-random speckle. */
function testImage(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  let seed = 12345;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) % 64;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      rgba[p] = Math.min(255, (x * 255) / width + noise());
      rgba[p + 1] = Math.min(255, (y * 255) / height + noise());
      rgba[p + 2] = (x * y) % 256;
      rgba[p + 3] = 255 - noise();
    }
  }
  return rgba;
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('examples/image', { timeout: 600_000 }, () => {
  let images: Offloaded<ImageKernels>;
  let rocket: Uint8Array;

  before(async () => {
    images = await load<ImageKernels>(await buildImageWasm(), { threads: 1 });
    rocket = new Uint8Array(await readFile(path.join(dataDir, 'rocket.jpg')));
  });
  after(() => images?.$close());

  test('a JPEG thumbnail is a JPEG of the right size that looks like the photo', async () => {
    const thumb = await images.thumbnail(rocket, 128, 80);
    const meta = await sharp(thumb).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.deepEqual([meta.width, meta.height], [128, 85]); // 640x427 scaled by 128/640
    // Same picture as sharp's own thumbnail, up to resampling and JPEG differences: on this
    // detailed photo those average about 8 levels, while the same thumbnail mirrored is 23 off.
    const ours = await sharp(thumb).removeAlpha().raw().toBuffer();
    const theirs = await sharp(rocket).resize(128, 85, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    let total = 0;
    for (let i = 0; i < ours.length; i++) total += Math.abs(ours[i]! - theirs[i]!);
    assert.ok(total / ours.length < 12, `mean difference from sharp ${(total / ours.length).toFixed(2)}`);
  });

  test('a PNG photo becomes a JPEG thumbnail; small images are not enlarged', async () => {
    const coffee = new Uint8Array(await readFile(path.join(dataDir, 'coffee.png')));
    const meta = await sharp(await images.thumbnail(coffee, 100, 80)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 100, 67]);
    const same = await sharp(await images.thumbnail(coffee, 5000, 90)).metadata();
    assert.deepEqual([same.width, same.height], [600, 400]);
    assert.deepEqual([...(await images.dimensions(coffee))], [600, 400]);
  });

  test('grayscale and blur agree with plain JavaScript on a small image', async () => {
    const [width, height] = [37, 23];
    const rgba = testImage(width, height);
    const gray = await images.grayscale(rgba, width, height);
    assert.ok(maxDifference(gray, grayscaleJs(rgba, width, height)) <= 1);
    // 37x23 = 851 pixels: 53 SIMD blocks of 16 and a scalar tail of 3. Both must compute the
    // kernel's exact integer formula, pixel for pixel.
    const exact = Uint8Array.from({ length: width * height }, (_, i) =>
      Math.floor((13933 * rgba[i * 4]! + 46871 * rgba[i * 4 + 1]! + 4732 * rgba[i * 4 + 2]! + 32768) / 65536),
    );
    assert.deepEqual([...gray], [...exact]);
    for (const sigma of [0.8, 2.5]) {
      const blurred = await images.blur(rgba, width, height, sigma);
      const difference = maxDifference(blurred, blurJs(rgba, width, height, sigma));
      assert.ok(difference <= 2, `sigma ${sigma}: max difference ${difference}`);
      assert.ok(maxDifference(blurred, rgba) > 10, 'the image was actually blurred');
    }
  });

  test('decode gives the RGBA pixels that sharp decodes', async () => {
    const coffee = new Uint8Array(await readFile(path.join(dataDir, 'coffee.png')));
    const ours = await images.decode(coffee);
    const theirs = await sharp(coffee).ensureAlpha().raw().toBuffer();
    assert.equal(maxDifference(ours, new Uint8Array(theirs)), 0); // PNG is lossless
  });

  test('corrupt or wrong input is a clear error, and the instance keeps working', async () => {
    const reject = async (call: Promise<unknown>, pattern: RegExp): Promise<void> => {
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof OffloadError, String(error));
        assert.equal(error.code, 'ERR_OFFLOAD_GUEST_ERROR');
        assert.match(error.message, pattern);
        return true;
      });
    };
    await reject(images.thumbnail(rocket.slice(0, 2000), 64, 80), /invalid JPEG/);
    const scrambled = rocket.slice();
    scrambled.fill(0x55, 600, 20_000); // past the headers: the entropy-coded data is garbage
    await images.thumbnail(scrambled, 64, 80).then(
      (jpeg) => assert.ok(jpeg.byteLength > 0), // decoders may conceal damage in the scan...
      (error: unknown) => assert.match(String(error), /JPEG/), // ...or report it; never crash
    );
    await reject(images.thumbnail(new TextEncoder().encode('not an image at all'), 64, 80), /unsupported image format/);
    await reject(images.thumbnail(new Uint8Array(0), 64, 80), /empty/);
    await reject(images.thumbnail(rocket, 64, 0), /quality/);
    await reject(images.grayscale(new Uint8Array(10), 4, 4), /expected 4x4 RGBA pixels/);
    await reject(images.blur(new Uint8Array(16), 2, 2, -1), /sigma/);
    const meta = await sharp(await images.thumbnail(rocket, 64, 80)).metadata();
    assert.deepEqual([meta.width, meta.height], [64, 43]);
  });
});
