// The decimal-string patterns that carry 64- and 128-bit integers over JSON must match exactly
// the values of the Rust type: every boundary, one past it, and non-canonical spellings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimalPattern } from '../src/server/rust-schema.js';

const TYPES: [string, bigint, bigint][] = [
  ['u64', 0n, 2n ** 64n - 1n],
  ['i64', -(2n ** 63n), 2n ** 63n - 1n],
  ['u128', 0n, 2n ** 128n - 1n],
  ['i128', -(2n ** 127n), 2n ** 127n - 1n],
  ['u8', 0n, 255n],
  ['i8', -128n, 127n],
];

for (const [name, min, max] of TYPES) {
  test(`${name}: the pattern admits exactly ${min}..${max}`, () => {
    const pattern = new RegExp(decimalPattern(min, max));
    const inside = [min, max, 0n, 1n, max - 1n, max / 2n, max / 10n, max / 10n + 7n, min / 3n, min + 1n];
    for (const value of inside) assert.ok(pattern.test(value.toString()), `${value} is a ${name}`);
    const outside = [max + 1n, max + 10n, max * 10n, min - 1n, min * 10n - 5n, 10n ** BigInt(max.toString().length)];
    for (const value of outside) assert.ok(!pattern.test(value.toString()), `${value} is not a ${name}`);
    // Deterministic pseudo-random values, each judged against BigInt arithmetic.
    let seed = 12345n;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const digits = Number(seed % BigInt(max.toString().length + 2)) + 1;
      const value = (seed * 2862933555777941757n) % 10n ** BigInt(digits) * (seed % 3n === 0n ? -1n : 1n);
      assert.equal(pattern.test(value.toString()), value >= min && value <= max, `${value} for ${name}`);
    }
    for (const spelling of ['', '-0', '00', '01', '+1', '1.0', '1e3', ' 1', '-']) assert.ok(!pattern.test(spelling), `"${spelling}" is not canonical`);
  });
}
