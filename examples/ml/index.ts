// Classifies held-out handwritten digits with the Rust model, through offload's worker pool.
// Run: node --import tsx examples/ml/index.ts   (builds the crate first if needed)
import { load, transfer } from '../../src/index.js';
import type { DigitsModule } from './lib/api.js';
import { buildDigits } from './lib/build.js';
import { accuracy, inputs, readTestSet } from './lib/test-set.js';

const SHOWN = 3;

function drawDigit(pixels: Uint8Array): string {
  const shades = ' .:-=+*#%@';
  const lines: string[] = [];
  for (let r = 0; r < 28; r += 2) {
    let line = '';
    for (let c = 0; c < 28; c++) line += shades[Math.min(9, Math.floor(Math.max(pixels[r * 28 + c]!, pixels[(r + 1) * 28 + c]!) / 26))];
    lines.push(`    ${line}`);
  }
  return lines.join('\n');
}

const { pkgDir } = await buildDigits({ quiet: true });
const digits = await load<DigitsModule>(pkgDir);
try {
  console.log(`model: ${await digits.modelInfo()}`);
  const set = readTestSet();
  for (let s = 0; s < SHOWN; s++) {
    const probabilities = await digits.probabilities(inputs(set, s, 1));
    const best = probabilities.indexOf(Math.max(...probabilities));
    console.log(`\n${drawDigit(set.pixels.subarray(s * 784, (s + 1) * 784))}\n    label ${set.labels[s]}, predicted ${best} (p = ${probabilities[best]!.toFixed(3)})`);
  }
  // The whole held-out set in one call; transfer() hands the buffer to the worker uncopied.
  const predictions = await digits.predictBatch(transfer(inputs(set)), set.count);
  console.log(`\nheld-out accuracy: ${(accuracy(predictions, set.labels) * 100).toFixed(1)}% of ${set.count} digits`);
} finally {
  await digits.$close();
}
