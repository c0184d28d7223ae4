// Makes a thumbnail of a photo through offload: the Rust kernel runs on a worker thread, so
// this process's event loop stays free while it decodes, resizes and encodes.
//
//   offload build examples/image
//   node --import tsx examples/image/index.ts [photo.jpg|png] [out.jpg] [maxSide]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load, transfer } from '../../src/index.js';
import { dataDir, pkgDir, type ImageKernels } from './api.js';

const input = process.argv[2] ?? path.join(dataDir, 'retina.jpg');
const output = process.argv[3] ?? 'thumbnail.jpg';
const maxSide = Number(process.argv[4] ?? 256);

const images = await load<ImageKernels>(pkgDir, { threads: 1, timeoutMs: 30_000 });
try {
  const photo = new Uint8Array(await readFile(input));
  const started = performance.now();
  // The photo is not used again here, so it is moved to the worker rather than copied.
  const jpeg = await images.thumbnail(transfer(photo), maxSide, 80);
  const [width, height] = await images.dimensions(jpeg);
  await writeFile(output, jpeg);
  console.log(`${output}: ${width}x${height} JPEG, ${jpeg.byteLength} bytes, in ${(performance.now() - started).toFixed(1)} ms`);
} finally {
  await images.$close();
}
