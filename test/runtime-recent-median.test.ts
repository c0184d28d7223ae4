// RecentMedian: what the pool expects a function to run for, and the round trip mode 'auto'
// compares it with. Its median must be the true median of the last eight samples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentMedian } from '../src/runtime/recent-median.js';

/** The upper median of `values`, as RecentMedian defines it (index n >> 1 of the sorted values). */
function expectedMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

test('before the window fills, the median of every sample so far; undefined before the first', () => {
  const median = new RecentMedian();
  assert.equal(median.value, undefined);
  const samples = [5, 1, 9, 3, 7, 2, 8];
  samples.forEach((sample, i) => {
    median.add(sample);
    assert.equal(median.value, expectedMedian(samples.slice(0, i + 1)), `after ${i + 1} samples`);
    assert.equal(median.settled, false);
  });
});

test('once full, the median of the last eight samples (refreshed every other sample), and one stray sample never moves it far', () => {
  const median = new RecentMedian();
  // A fixed pseudo-random sequence, so a failure is reproducible.
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const sample = i === 100 ? 1e6 : next();
    samples.push(sample);
    median.add(sample);
    if (samples.length >= 8 && samples.length % 2 === 0) {
      assert.equal(median.value, expectedMedian(samples.slice(-8)), `after ${samples.length} samples`);
      assert.equal(median.settled, true);
    }
  }
  assert.ok(median.value! < 1, 'the stray sample left the window');
});

test('a cold first call a hundred times slower is forgotten after five more', () => {
  const median = new RecentMedian();
  median.add(100);
  for (let i = 0; i < 5; i++) median.add(1);
  assert.equal(median.value, 1);
});
