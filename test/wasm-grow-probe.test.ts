// The grow probe rewrites real modules: Rust libraries through their wasm-bindgen glue, WASI
// programs, the examples (SIMD128 included), and hand-written modules whose bytes would fool a
// byte-pattern search for `memory.grow`. A failed grow must be counted, a successful one or a
// panic must not, and everything else the module does must stay the same.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { WASI } from 'node:wasi';
import { buildPackage } from '../src/build/build.js';
import { silentReporter } from '../src/build/progress.js';
import { wasmOptPath } from '../src/build/wasm-opt.js';
import { GROW_FAILURES_EXPORT, instrumentMemoryGrow } from '../src/wasm/grow-probe.js';
import { startFunctionExport } from '../src/wasm/start-function.js';
import { limitMemory } from '../src/wasm/memory-limits.js';
import { buildFixture, type BuiltFixture } from './helpers/build-fixture.js';
import { buildProgramFixture } from './helpers/build-program.js';
import { repoRoot, sharedTargetDir, suiteTempDir } from './helpers/cli.js';

const run = promisify(execFile);
const CAP_16_MIB = 256; // pages

type Exports = Record<string, unknown> & { [GROW_FAILURES_EXPORT]?: WebAssembly.Global };
type Glue = Record<string, (...args: unknown[]) => unknown> & { initSync(input: { module: WebAssembly.Module }): Exports };

let glueGeneration = 0;

/** The bytes as the WebAssembly API's types want them (ours come from files and rewrites). */
function compileable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

function compile(bytes: Uint8Array): WebAssembly.Module {
  return new WebAssembly.Module(compileable(bytes));
}

/** A fresh instance of a wasm-bindgen package on `bytes` (the glue keeps one per module record). */
async function instantiateGlue(gluePath: string, bytes: Uint8Array): Promise<{ glue: Glue; exports: Exports }> {
  const glue = (await import(`${pathToFileURL(gluePath).href}?grow-probe=${++glueGeneration}`)) as Glue;
  const exports = glue.initSync({ module: compile(bytes) });
  return { glue, exports };
}

function failedGrows(exports: Exports): number {
  const counter = exports[GROW_FAILURES_EXPORT];
  assert.ok(counter instanceof WebAssembly.Global, `${GROW_FAILURES_EXPORT} is exported as a global`);
  return counter.value as number;
}

/** Runs `fn`, returning what it threw and what it wrote with console.error (panic hooks do). */
function captureTrap(fn: () => unknown): { error: unknown; logged: string } {
  const original = console.error;
  let logged = '';
  console.error = (...args: unknown[]) => {
    logged += args.map(String).join(' ');
  };
  try {
    fn();
    return { error: undefined, logged };
  } catch (error) {
    return { error, logged };
  } finally {
    console.error = original;
  }
}

function instrumented(bytes: Uint8Array): Uint8Array {
  const result = instrumentMemoryGrow(bytes);
  assert.equal(result.reason, undefined);
  assert.equal(result.instrumented, true);
  return result.bytes;
}

describe('a Rust library with a failed memory.grow (bindgen-surface)', () => {
  let fixture: BuiltFixture;
  let original: Uint8Array;
  let capped: Uint8Array;

  before(async () => {
    fixture = await buildFixture('bindgen-surface');
    original = new Uint8Array(await readFile(fixture.wasmPath));
    capped = limitMemory(original, CAP_16_MIB);
  });

  it('rewrites its memory.grow sites into a module that validates, with the same imports', () => {
    const result = instrumentMemoryGrow(capped);
    assert.equal(result.instrumented, true, result.reason);
    assert.ok(result.growSites > 0, 'Rust\'s allocator grows memory somewhere');
    assert.ok(WebAssembly.validate(compileable(result.bytes)));
    const before = compile(capped);
    const after = compile(result.bytes);
    assert.deepEqual(WebAssembly.Module.imports(after), WebAssembly.Module.imports(before));
    assert.deepEqual(
      WebAssembly.Module.exports(after),
      [...WebAssembly.Module.exports(before), { name: GROW_FAILURES_EXPORT, kind: 'global' }],
    );
    const custom = (module: WebAssembly.Module, name: string): Buffer[] =>
      WebAssembly.Module.customSections(module, name).map((section) => Buffer.from(section));
    assert.ok(custom(before, 'producers').length > 0, 'wasm-bindgen kept a producers section');
    for (const name of ['producers', 'target_features']) assert.deepEqual(custom(after, name), custom(before, name), name);
  });

  it('counts the failed grow when hoard(1000) runs out of a 16 MiB cap', async () => {
    const { glue, exports } = await instantiateGlue(fixture.gluePath, instrumented(capped));
    assert.equal(failedGrows(exports), 0);
    const { error } = captureTrap(() => glue.hoard!(1000));
    assert.ok(error instanceof WebAssembly.RuntimeError, `expected a trap, got ${String(error)}`);
    assert.ok(failedGrows(exports) > 0);
  });

  it('does not count grows that succeed: hoard(4) fits in 16 MiB', async () => {
    const { glue, exports } = await instantiateGlue(fixture.gluePath, instrumented(capped));
    const pagesBefore = (exports.memory as WebAssembly.Memory).buffer.byteLength;
    assert.equal(glue.hoard!(4), 4);
    assert.ok((exports.memory as WebAssembly.Memory).buffer.byteLength > pagesBefore, 'memory did grow');
    assert.equal(failedGrows(exports), 0);
  });

  it('does not count a panic: boom() traps with its message logged and the counter at 0', async () => {
    const { glue, exports } = await instantiateGlue(fixture.gluePath, instrumented(capped));
    const { error, logged } = captureTrap(() => glue.boom!('not enough fruit'));
    assert.ok(error instanceof WebAssembly.RuntimeError, `expected a trap, got ${String(error)}`);
    assert.match(logged, /panicked at [^\n]+\nnot enough fruit\n/);
    assert.equal(failedGrows(exports), 0);
  });

  it('the counter can be reset by the host, as the runtime does before each call', async () => {
    const { exports } = await instantiateGlue(fixture.gluePath, instrumented(capped));
    const counter = exports[GROW_FAILURES_EXPORT]!;
    counter.value = 7;
    assert.equal(failedGrows(exports), 7);
    counter.value = 0;
    assert.equal(failedGrows(exports), 0);
  });

  it('gives the same answers as the uninstrumented module for ordinary calls', async () => {
    const plain = await instantiateGlue(fixture.gluePath, capped);
    const probed = await instantiateGlue(fixture.gluePath, instrumented(capped));
    const calls: [string, unknown[]][] = [
      ['greet', ['wasm']],
      ['shout', ['quiet']],
      ['doubled', [new Int32Array([1, -2, 3])]],
      ['add_i64', [2n ** 40n, 5n]],
      ['sum_f64', [new Float64Array([0.5, 1.25, 2])]],
      ['upper_all', [['a', 'bc']]],
      ['make_array', [5]],
      ['scale_shape', [{ name: 's', points: [{ x: 1, y: 2 }], meta: { tags: ['t'], weight: 3 } }, 2]],
      ['hoard', [3]],
    ];
    for (const [name, args] of calls) {
      assert.deepEqual(probed.glue[name]!(...args), plain.glue[name]!(...args), name);
    }
    assert.equal(failedGrows(probed.exports), 0);
  });

  it('startFunctionExport finds the #[wasm_bindgen(start)] function: start', () => {
    assert.equal(startFunctionExport(original), 'start');
    assert.equal(startFunctionExport(instrumented(capped)), 'start');
  });
});

describe('runtime-faults: allocate_forever under a cap', () => {
  it('traps and the failed grow is counted', async () => {
    const fixture = await buildFixture('runtime-faults');
    const bytes = limitMemory(new Uint8Array(await readFile(fixture.wasmPath)), CAP_16_MIB);
    const { glue, exports } = await instantiateGlue(fixture.gluePath, instrumented(bytes));
    const { error } = captureTrap(() => glue.allocate_forever!());
    assert.ok(error instanceof WebAssembly.RuntimeError, `expected a trap, got ${String(error)}`);
    assert.ok(failedGrows(exports) > 0);
  });
});

describe('every module the repository builds', () => {
  it('instruments, validates and instantiates each library (examples with SIMD128 included)', async (t) => {
    const libraries: { gluePath: string; wasmPath: string }[] = [];
    for (const name of ['runtime-basic', 'runtime-faults', 'bindgen-surface', 'serve-api', 'build-simd']) {
      libraries.push(await buildFixture(name));
    }
    for (const example of ['hello', 'image', 'markdown', 'ml']) {
      const built = await buildPackage(path.join(repoRoot, 'examples', example), { targetDir: sharedTargetDir, reporter: silentReporter });
      assert.equal(built.manifest.options.simd, true, `${example} is built with SIMD128`);
      libraries.push({ gluePath: built.gluePath!, wasmPath: built.wasmPath });
    }
    let largest = { name: '', bytes: 0, ms: 0 };
    for (const library of libraries) {
      const bytes = new Uint8Array(await readFile(library.wasmPath));
      const started = performance.now();
      const result = instrumentMemoryGrow(bytes);
      const ms = performance.now() - started;
      const name = path.basename(library.wasmPath);
      assert.equal(result.reason, undefined, name);
      assert.ok(result.growSites > 0, `${name} has memory.grow sites`);
      assert.ok(WebAssembly.validate(compileable(result.bytes)), name);
      const { exports } = await instantiateGlue(library.gluePath, result.bytes);
      assert.equal(failedGrows(exports), 0, name);
      if (bytes.length > largest.bytes) largest = { name, bytes: bytes.length, ms };
    }
    t.diagnostic(`instrumentMemoryGrow on the largest, ${largest.name} (${largest.bytes} bytes): ${largest.ms.toFixed(1)} ms`);
  });

  it('instruments, validates and instantiates each WASI program', async () => {
    const programs = await buildProgramFixture(path.join(repoRoot, 'test', 'fixtures', 'programs'));
    assert.ok(programs.size > 0);
    for (const [name, wasmPath] of programs) {
      const bytes = new Uint8Array(await readFile(wasmPath));
      const result = instrumentMemoryGrow(bytes);
      assert.equal(result.reason, undefined, name);
      assert.ok(result.growSites > 0, `${name} has memory.grow sites`);
      const wasi = new WASI({ version: 'preview1', returnOnExit: true });
      const module = compile(result.bytes);
      const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
      assert.equal((instance.exports[GROW_FAILURES_EXPORT] as WebAssembly.Global).value, 0, name);
      assert.equal(startFunctionExport(bytes), undefined, `${name} has no wasm-bindgen start`);
    }
  });
});

// ---- hand-written modules ------------------------------------------------------------------

/** What V8 in Node 20 and 24 runs without flags (binaryen's names). */
const PORTABLE_FEATURES = ['mutable-globals', 'nontrapping-float-to-int', 'sign-ext', 'simd', 'bulk-memory',
  'bulk-memory-opt', 'reference-types', 'multivalue', 'threads', 'tail-call', 'exception-handling'];

const scratch = suiteTempDir('grow-probe');
let scratchFiles = 0;

/**
 * binaryen's wasm-opt, an independent toolchain, with no passes: it reads text or binary,
 * validates it (failing otherwise) and writes it back as a binary. Run as its own process,
 * since loading binaryen's 15 MB script through tsx takes seconds.
 */
async function wasmOpt(input: string | Uint8Array, features: string[]): Promise<Uint8Array> {
  const name = path.join(scratch.path, `m${++scratchFiles}`);
  const inputPath = `${name}.${typeof input === 'string' ? 'wat' : 'wasm'}`;
  await writeFile(inputPath, input);
  await run(process.execPath, [wasmOptPath(), inputPath, ...features.map((f) => `--enable-${f}`), '-o', `${name}.out.wasm`]);
  return new Uint8Array(await readFile(`${name}.out.wasm`));
}

// Byte pairs 0x40 0x00 that are not `memory.grow 0`: an empty-typed `if` followed by
// `unreachable`, v128 constants, memarg offsets of 64 followed by lane 0, i32.const 64.
const TRICKY_PORTABLE = `
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "base" (global $base i32))
  (memory $main 1 4 shared)
  (table $fns 2 funcref)
  (tag $oops (param i32))
  (global $g (mut i32) (i32.const 0))
  (data $bytes "abc")
  (elem declare func $grow_twice)
  (func $grow_twice (export "grow_twice") (param $n i32) (result i32)
    (if (i32.eq (local.get $n) (i32.const -1)) (then (unreachable)))
    (drop (memory.grow (local.get $n)))
    (memory.grow (local.get $n)))
  (func (export "simd") (param $p i32) (result i32)
    (local $v v128)
    (local.set $v (v128.const i8x16 64 0 64 0 64 0 64 0 64 0 64 0 64 0 64 0))
    (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (local.get $v) (local.get $v)))
    (local.set $v (v128.load8_lane offset=64 3 (local.get $p) (local.get $v)))
    (v128.store32_lane offset=64 0 (local.get $p) (local.get $v))
    (local.set $v (v128.load32_zero offset=64 (local.get $p)))
    (local.set $v (i32x4.replace_lane 2 (local.get $v) (i32.const 64)))
    (i32.add (i8x16.extract_lane_u 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v))))
  (func (export "atomics") (param $p i32) (result i32)
    (atomic.fence)
    (drop (memory.atomic.notify offset=64 (local.get $p) (i32.const 0)))
    (i32.atomic.rmw.add offset=64 (local.get $p) (i32.const 64)))
  (func (export "bulk") (param $p i32) (result i32)
    (memory.init $bytes (local.get $p) (i32.const 0) (i32.const 3))
    (data.drop $bytes)
    (memory.copy (local.get $p) (i32.const 64) (i32.const 0))
    (memory.fill (local.get $p) (i32.const 64) (i32.const 0))
    (drop (table.grow $fns (ref.func $grow_twice) (i32.const 0)))
    (drop (ref.is_null (ref.null func)))
    (drop (i32.trunc_sat_f32_s (f32.const 2.0)))
    (drop (i32.extend8_s (i32.const 64)))
    (i32.add (table.size $fns) (i32.load offset=64 (local.get $p))))
  (func (export "legacy_eh") (param $p i32) (result i32)
    (try (result i32)
      (do (call $log (local.get $p)) (i32.const 64))
      (catch $oops)
      (catch_all (i32.const 0))))
  (func (export "tail") (param $p i32) (result i32)
    (return_call $grow_twice (local.get $p)))
)`;

describe('hand-written modules', () => {
  it('finds only the real memory.grow among look-alike bytes, and behaves the same', async () => {
    const bytes = await wasmOpt(TRICKY_PORTABLE, PORTABLE_FEATURES);
    const result = instrumentMemoryGrow(bytes);
    assert.equal(result.reason, undefined);
    assert.equal(result.growSites, 2);
    assert.ok(bytePairs(bytes, 0x40, 0x00) > 2, 'the module has look-alikes that a byte search would take for memory.grow 0');
    const imports = { env: { log: () => {}, base: 0 } };
    const plain = new WebAssembly.Instance(compile(bytes), imports).exports;
    const probed = new WebAssembly.Instance(compile(result.bytes), imports).exports;
    const call = (exports: WebAssembly.Exports, name: string, arg: number): unknown => (exports[name] as (n: number) => unknown)(arg);
    // Memory starts at 1 page with a maximum of 4: grow_twice(1) ends at 3 pages, the next
    // call grows once to 4 and then fails once.
    const script: [string, number][] = [['simd', 8], ['atomics', 16], ['bulk', 32], ['legacy_eh', 5], ['grow_twice', 1], ['tail', 1]];
    for (const [name, arg] of script) {
      assert.deepEqual(call(probed, name, arg), call(plain, name, arg), name);
    }
    assert.equal((probed[GROW_FAILURES_EXPORT] as WebAssembly.Global).value, 1);
    assert.equal(call(probed, 'grow_twice', 0), 4, 'a grow by 0 pages succeeds');
    assert.equal((probed[GROW_FAILURES_EXPORT] as WebAssembly.Global).value, 1);
    assert.equal(startFunctionExport(bytes), undefined, 'no __wbindgen_start export');
  });

  it('decodes relaxed SIMD, multi-memory and try_table, and leaves memory 1\'s grow alone', async () => {
    const features = [...PORTABLE_FEATURES, 'relaxed-simd', 'multimemory'];
    const bytes = await wasmOpt(`
      (module
        (memory $main 1 4)
        (memory $other 1 4)
        (tag $oops (param i32))
        (func (export "f") (param $p i32) (result i32)
          (drop (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 64 0 64 0)))
          (drop (f32x4.relaxed_madd (v128.const i32x4 64 0 64 0) (v128.const i32x4 64 0 64 0) (v128.const i32x4 64 0 64 0)))
          (drop (i32.load $other offset=64 (local.get $p)))
          (if (i32.eqz (local.get $p))
            (then (i32.store $other offset=64 (local.get $p) (i32.const 0)) (unreachable)))
          (drop (memory.grow $other (i32.const 1)))
          (drop (block $caught (result i32)
            (try_table (catch $oops $caught)
              (throw $oops (i32.const 64)))
            (unreachable)))
          (drop (block $any (result exnref)
            (try_table (catch_all_ref $any) (nop))
            (ref.null exn)))
          (if (i32.eqz (local.get $p)) (then (throw_ref (ref.null exn))))
          (memory.grow $main (local.get $p))))`, features);
    const result = instrumentMemoryGrow(bytes);
    assert.equal(result.reason, undefined);
    assert.equal(result.growSites, 1, 'only memory 0\'s grow is counted');
    await wasmOpt(result.bytes, features); // throws unless binaryen validates it
    // Run it too where this Node's V8 has these proposals switched on.
    if (WebAssembly.validate(compileable(bytes))) {
      const exports = new WebAssembly.Instance(compile(result.bytes)).exports;
      assert.equal((exports.f as (n: number) => number)(5), -1);
      assert.equal((exports[GROW_FAILURES_EXPORT] as WebAssembly.Global).value, 1);
    }
  });

  it('reads a memory.grow whose memory index is a two-byte LEB128 zero', async () => {
    const bytes = wasmModule([
      section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), // type 0: (i32) -> (i32)
      section(3, [1, 0]),
      section(5, [1, 0x01, 1, 2]), // memory 1..2 pages
      section(7, [1, 4, ...ascii('grow'), 0x00, 0]),
      section(10, [1, ...body([0x20, 0x00, 0x40, 0x80, 0x00])]), // local.get 0; memory.grow 0 (LEB 0x80 0x00)
    ]);
    const result = instrumentMemoryGrow(bytes);
    assert.equal(result.reason, undefined);
    assert.equal(result.growSites, 1);
    await wasmOpt(result.bytes, PORTABLE_FEATURES); // throws unless binaryen validates it
    const exports = new WebAssembly.Instance(compile(result.bytes)).exports;
    const grow = exports.grow as (n: number) => number;
    assert.equal(grow(1), 1);
    assert.equal(grow(1), -1);
    assert.equal((exports[GROW_FAILURES_EXPORT] as WebAssembly.Global).value, 1);
  });

  it('creates the global and export sections, in their place, when the module has none', () => {
    // No global or export section, and a start section they must come before; the type is () -> ().
    const bytes = wasmModule([
      section(1, [1, 0x60, 0, 0]),
      section(3, [1, 0]),
      section(5, [1, 0x00, 1]),
      section(8, [0]), // start: function 0
      section(10, [1, ...body([0x41, 0x01, 0x40, 0x00, 0x1a])]), // i32.const 1; memory.grow 0; drop
    ]);
    const result = instrumentMemoryGrow(bytes);
    assert.equal(result.reason, undefined);
    assert.equal(result.growSites, 1);
    const instance = new WebAssembly.Instance(compile(result.bytes));
    assert.equal((instance.exports[GROW_FAILURES_EXPORT] as WebAssembly.Global).value, 0, 'the start function grew memory successfully');
  });

  it('returns a module with an opcode it does not know (GC\'s 0xFB) unchanged, saying why', () => {
    const bytes = wasmModule([
      section(1, [1, 0x60, 0, 0]),
      section(3, [1, 0]),
      section(5, [1, 0x00, 1]),
      // i32.const 1; ref.i31; drop; i32.const 1; memory.grow 0; drop
      section(10, [1, ...body([0x41, 0x01, 0xfb, 0x1c, 0x1a, 0x41, 0x01, 0x40, 0x00, 0x1a])]),
    ]);
    const result = instrumentMemoryGrow(bytes);
    assert.equal(result.instrumented, false);
    assert.equal(result.bytes, bytes);
    assert.equal(result.growSites, 0);
    assert.match(result.reason ?? '', /unknown opcode 0xfb/);
  });

  it('returns a module without memory unchanged, saying why', () => {
    const bytes = wasmModule([section(1, [1, 0x60, 0, 0]), section(3, [1, 0]), section(10, [1, ...body([])])]);
    const result = instrumentMemoryGrow(bytes);
    assert.equal(result.instrumented, false);
    assert.equal(result.bytes, bytes);
    assert.match(result.reason ?? '', /no memory/);
  });
});

function bytePairs(bytes: Uint8Array, first: number, second: number): number {
  let count = 0;
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === first && bytes[i + 1] === second) count++;
  return count;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** One section; contents shorter than 128 bytes, so the size is one LEB128 byte. */
function section(id: number, contents: number[]): number[] {
  assert.ok(contents.length < 128);
  return [id, contents.length, ...contents];
}

/** A function body without locals; `end` is added. */
function body(instructions: number[]): number[] {
  return [instructions.length + 2, 0x00, ...instructions, 0x0b];
}

function wasmModule(sections: number[][]): Uint8Array {
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}
