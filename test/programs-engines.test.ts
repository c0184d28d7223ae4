/**
 * Engine plumbing: the WasmEdge AOT cache, a missing WasmEdge, the WasmEdge concurrency limit.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ProgramTimeoutError, createProgramRunner, runProgram } from '../src/programs/index.js';
import { ConcurrencyLimiter } from '../src/programs/limiter.js';
import { inspectProgram } from '../src/programs/inspect-program.js';
import { buildProgramFixture, ensureWasmEdge, programsCrateDir } from './helpers/build-program.js';

const crateDir = programsCrateDir;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'offload-engines-'));
let bins: Map<string, string>;

before(async () => {
  [bins] = await Promise.all([buildProgramFixture(crateDir), ensureWasmEdge()]);
});
after(async () => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('WasmEdge AOT cache', () => {
  test('compiles a module once, keyed by its hash, and reuses the artifact', async () => {
    const previous = process.env.OFFLOAD_AOT_CACHE;
    process.env.OFFLOAD_AOT_CACHE = join(scratch, 'aot');
    try {
      const bytes = readFileSync(bins.get('exitcode')!);
      const info = inspectProgram(bytes);
      const runner = createProgramRunner();
      const first = await runner.prepare(bytes);
      assert.equal(first.artifact.compiled, true);
      assert.ok(first.artifact.dir.startsWith(join(scratch, 'aot', info.hash)), first.artifact.dir);
      assert.ok(existsSync(first.artifact.path));
      const mtime = statSync(first.artifact.path).mtimeMs;

      const second = await runner.prepare(bytes);
      await runner.close();
      assert.equal(second.artifact.compiled, false);
      assert.equal(second.artifact.path, first.artifact.path);
      const result = await runProgram(bytes, { engine: 'wasmedge', args: ['9'] });
      assert.equal(result.exitCode, 9);
      assert.equal(statSync(first.artifact.path).mtimeMs, mtime, 'the artifact was rebuilt');
    } finally {
      if (previous === undefined) delete process.env.OFFLOAD_AOT_CACHE;
      else process.env.OFFLOAD_AOT_CACHE = previous;
    }
  });
});

describe('missing WasmEdge', () => {
  test('is a clear ERR_OFFLOAD_ENGINE_MISSING error that says how to install it', async () => {
    // A fresh process with no wasmedge on PATH, an empty HOME (no private prefix) and no
    // OFFLOAD_WASMEDGE: exactly what a user without WasmEdge has.
    const script = `import(${JSON.stringify(join(repoRoot, 'src/programs/index.ts'))})
      .then((m) => m.runProgram(require('node:fs').readFileSync(process.env.WASM), { engine: 'wasmedge' }))
      .then(() => console.log('ran'), (e) => console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message })));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: repoRoot,
      env: { PATH: dirname(process.execPath), HOME: join(scratch, 'empty-home'), WASM: bins.get('echo')! },
    });
    const error = JSON.parse(stdout.trim().split('\n').pop()!);
    assert.equal(error.code, 'ERR_OFFLOAD_ENGINE_MISSING');
    assert.equal(error.name, 'EngineMissingError');
    assert.match(error.message, /scripts\/install-wasmedge\.sh/);
  });
});

describe('V8 engine', () => {
  test('an endless loop runs off the main thread, which keeps serving timers', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 20);
    try {
      await assert.rejects(runProgram(readFileSync(bins.get('spin')!), { engine: 'v8', timeoutMs: 600 }), ProgramTimeoutError);
    } finally {
      clearInterval(interval);
    }
    assert.ok(ticks > 0, 'no timer fired while the guest was spinning');
  });
});

describe('concurrency limits', () => {
  test('ConcurrencyLimiter never runs more than its limit', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
    };
    await Promise.all(Array.from({ length: 7 }, () => limiter.run(task)));
    assert.equal(peak, 2);
    assert.throws(() => new ConcurrencyLimiter(0), RangeError);
  });

  test('WasmEdge runs wait for a free slot', async () => {
    const runner = createProgramRunner({ wasmedgeProcesses: 1 });
    try {
      const spin = readFileSync(bins.get('spin')!);
      const echo = readFileSync(bins.get('echo')!);
      // Compile both first so only the runs compete for the slot.
      await runner.prepare(spin);
      await runner.prepare(echo);
      const order: string[] = [];
      const slow = runner.run(spin, { engine: 'wasmedge', timeoutMs: 1000 }).catch((e) => {
        assert.ok(e instanceof ProgramTimeoutError);
        order.push('spin killed');
      });
      const fast = runner.run(echo, { engine: 'wasmedge' }).then(() => order.push('echo done'));
      await Promise.all([slow, fast]);
      // With one slot, the quick program could only start after the endless one was killed.
      assert.deepEqual(order, ['spin killed', 'echo done']);
    } finally {
      await runner.close();
    }
  });
});

describe('stdio as the guest sees it', () => {
  // wasi-libc's isatty(): a character device without the seek and tell rights. Exits 10+fd
  // for the first stdio descriptor that looks like a terminal, 20+fd for one that is a
  // socket (a guest's shutdown() would then succeed on it), 0 otherwise.
  const probe = `(module
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func $check (param $fd i32)
      (if (i32.ne (call $fdstat (local.get $fd) (i32.const 64)) (i32.const 0)) (then (call $exit (i32.const 99))))
      (if (i32.and
            (i32.eq (i32.load8_u (i32.const 64)) (i32.const 2))
            (i64.eqz (i64.and (i64.load (i32.const 72)) (i64.const 36))))
        (then (call $exit (i32.add (i32.const 10) (local.get $fd)))))
      (if (i32.ge_u (i32.load8_u (i32.const 64)) (i32.const 5))
        (then (if (i32.le_u (i32.load8_u (i32.const 64)) (i32.const 6))
          (then (call $exit (i32.add (i32.const 20) (local.get $fd))))))))
    (func (export "_start")
      (call $check (i32.const 0))
      (call $check (i32.const 1))
      (call $check (i32.const 2))))`;

  for (const engine of ['v8', 'wasmedge'] as const) {
    test(`on ${engine}, stdin, stdout and stderr are neither terminals nor sockets`, async () => {
      const binaryen = (await import('binaryen')).default;
      const module = binaryen.parseText(probe);
      try {
        const result = await runProgram(module.emitBinary(), { engine });
        assert.equal(result.exitCode, 0);
      } finally {
        module.dispose();
      }
    });
  }
});
