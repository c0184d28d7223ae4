/**
 * The process's one compiled-module cache (src/wasm/module-cache.ts): a module is compiled
 * once per content and cap, the cap is in the compiled module, and the cache stays bounded.
 *
 * Run: node --import tsx --test test/wasm-module-cache.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WASM_PAGE } from '../src/wasm/memory-limits.js';
import { MODULE_CACHE_LIMIT, cachedModuleCount, compileModule } from '../src/wasm/module-cache.js';

/**
 * A module with one memory (1 page, no maximum) exported as `memory`, and a custom section
 * named `tag`, so that different tags give different bytes.
 */
function moduleTagged(tag: string): Uint8Array {
  const name = [...new TextEncoder().encode(tag)];
  const section = (id: number, contents: number[]) => [id, contents.length, ...contents];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(5, [1, 0x00, 1]), // memory: one, flags 0 (no max), min 1 page
    ...section(7, [1, 6, ...new TextEncoder().encode('memory'), 0x02, 0]), // export memory 0
    ...section(0, [name.length, ...name]),
  ]);
}

function memoryOf(module: WebAssembly.Module): WebAssembly.Memory {
  return new WebAssembly.Instance(module).exports.memory as WebAssembly.Memory;
}

test('the same bytes and cap compile once; another cap is another module, capped by the engine', async () => {
  const bytes = moduleTagged('same');
  const first = await compileModule(bytes, 4);
  assert.equal((await compileModule(Uint8Array.from(bytes), 4)).module, first.module, 'equal bytes are found by content');
  const larger = await compileModule(bytes, 8);
  assert.notEqual(larger.module, first.module);
  assert.equal(first.memory?.max, 4);

  const memory = memoryOf(first.module);
  assert.equal(memory.grow(3), 1);
  assert.throws(() => memory.grow(1), RangeError, 'growing past the cap fails inside the engine');
  assert.equal(memory.buffer.byteLength, 4 * WASM_PAGE);
  assert.equal(memoryOf(larger.module).grow(7), 1);
});

test(`the cache holds at most ${MODULE_CACHE_LIMIT} modules and drops the least recently used`, async () => {
  const oldest = await compileModule(moduleTagged('lru-0'), 2);
  const kept = await compileModule(moduleTagged('lru-1'), 2);
  for (let i = 2; i <= MODULE_CACHE_LIMIT; i++) {
    await compileModule(moduleTagged(`lru-${i}`), 2);
    // Used all along, so never the least recently used.
    await compileModule(moduleTagged('lru-1'), 2);
  }
  assert.equal(cachedModuleCount(), MODULE_CACHE_LIMIT);
  assert.equal((await compileModule(moduleTagged('lru-1'), 2)).module, kept.module);
  assert.notEqual((await compileModule(moduleTagged('lru-0'), 2)).module, oldest.module, 'the oldest was dropped and compiled again');
  assert.equal(cachedModuleCount(), MODULE_CACHE_LIMIT);
});

test('bytes the engine rejects are not cached: the next attempt compiles again', async () => {
  const broken = moduleTagged('broken').slice(0, -3);
  const first = compileModule(broken, undefined);
  await assert.rejects(first, WebAssembly.CompileError);
  const second = compileModule(broken, undefined);
  assert.notEqual(second, first, 'a failed compile is not handed out again');
  await assert.rejects(second, WebAssembly.CompileError);
});
