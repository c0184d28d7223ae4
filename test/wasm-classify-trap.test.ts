/**
 * The one trap classifier (src/wasm/classify-trap.ts) that the runtime and both program
 * engines turn into their own errors: what decides out of memory, a panic, a stack overflow.
 * The real guests behind each verdict are in runtime-panics, runtime-faults and programs.
 *
 * Run: node --import tsx --test test/wasm-classify-trap.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTrap, isStackOverflow, type TrapEvidence } from '../src/wasm/classify-trap.js';

const trap = (evidence: Partial<TrapEvidence>): TrapEvidence => ({
  message: 'unreachable',
  stackOverflow: false,
  rustMessage: undefined,
  memoryExhausted: undefined,
  ...evidence,
});
const ALLOCATOR = 'memory allocation of 1048576 bytes failed';

test('out of memory comes from evidence: a recorded failed grow, or the allocator saying so', () => {
  assert.equal(classifyTrap(trap({ memoryExhausted: true })), 'out_of_memory');
  assert.equal(classifyTrap(trap({ memoryExhausted: true, rustMessage: ALLOCATOR })), 'out_of_memory');
  // No probe (WasmEdge, an uninstrumentable module): the allocator's own words are enough.
  assert.equal(classifyTrap(trap({ rustMessage: ALLOCATOR })), 'out_of_memory');
  // A bare `unreachable` is never guessed to be out of memory.
  assert.equal(classifyTrap(trap({})), 'unreachable');
});

test('a panic stays a panic, even with memory exhausted or the allocator quoted without a failed grow', () => {
  assert.equal(classifyTrap(trap({ rustMessage: 'index out of bounds', memoryExhausted: true })), 'panic');
  assert.equal(classifyTrap(trap({ rustMessage: ALLOCATOR, memoryExhausted: false })), 'panic');
});

test('stack overflow, bad memory access and other traps are told apart by the engine', () => {
  let overflow: unknown;
  const recurse = (n: number): number => recurse(n + 1) + 1;
  try {
    recurse(0);
  } catch (error) {
    overflow = error;
  }
  assert.ok(isStackOverflow(overflow), String(overflow));
  assert.equal(isStackOverflow(new RangeError('Invalid array length')), false);
  assert.equal(classifyTrap(trap({ message: String(overflow), stackOverflow: true })), 'stack_overflow');
  assert.equal(classifyTrap(trap({ message: 'memory access out of bounds' })), 'memory_access');
  assert.equal(classifyTrap(trap({ message: 'divide by zero' })), 'other');
});
