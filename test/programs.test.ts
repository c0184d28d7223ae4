/**
 * WASI programs on both engines. One table of Rust test programs (test/fixtures/programs)
 * runs on V8 and on WasmEdge against the same fresh directory tree; every case asserts the
 * exact stdout and exit code, and the host tree afterwards, so the two engines are held to
 * identical results. Escape attempts are ordinary cases: they must fail on both, leak nothing
 * and change nothing outside the grants.
 *
 * Run: node --import tsx --test test/programs.test.ts
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BadModuleError,
  InvalidProgramOptionsError,
  ProgramMemoryLimitError,
  ProgramTimeoutError,
  ProgramTrapError,
  createProgramRunner,
  type ProgramEngine,
  type ProgramResult,
} from '../src/programs/index.js';
import { buildProgramFixture, ensureWasmEdge, programsCrateDir, programEngines } from './helpers/build-program.js';

const crateDir = programsCrateDir;
const engines: ProgramEngine[] = [...programEngines];
const scratch = mkdtempSync(join(tmpdir(), 'offload-programs-'));
let bins: Map<string, string>;
// One runner for the file, as an application would hold one; closed when the file ends.
const runner = createProgramRunner();
const wasm = (name: string): Buffer => readFileSync(bins.get(name)!);

// A variable the host process has but never grants: no engine may show it to the guest.
process.env.OFFLOAD_HOST_SECRET = 'host-only-value';

before(async () => {
  // Both prerequisites are real: a missing compiler or WasmEdge fails the suite.
  [bins] = await Promise.all([buildProgramFixture(crateDir), ensureWasmEdge()]);
});
after(async () => {
  await runner.close();
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * root/data      read-write grant, with symlinks inside (in-link) and pointing out
 * root/ro        read-only grant
 * root/outside   never granted; holds the secret
 */
function makeSandbox(): string {
  const root = mkdtempSync(join(scratch, 'box-'));
  mkdirSync(join(root, 'data', 'sub'), { recursive: true });
  mkdirSync(join(root, 'ro'));
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'data', 'a.txt'), 'hello\n');
  writeFileSync(join(root, 'ro', 'r.txt'), 'read only\n');
  writeFileSync(join(root, 'outside', 'secret.txt'), 'TOP SECRET\n');
  symlinkSync('a.txt', join(root, 'data', 'in-link'));
  symlinkSync('../outside/secret.txt', join(root, 'data', 'link-file'));
  symlinkSync('../outside', join(root, 'data', 'link-dir'));
  symlinkSync(join(root, 'outside', 'secret.txt'), join(root, 'data', 'abs-link'));
  return root;
}

/** Everything under root, with root itself written as <root>, for cross-engine comparison. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = join(rel, name);
      const st = lstatSync(join(root, path));
      if (st.isSymbolicLink()) out.push(`${path} -> ${readlinkSync(join(root, path)).replaceAll(root, '<root>')}`);
      else if (st.isDirectory()) {
        out.push(`${path}/`);
        walk(path);
      } else out.push(`${path}: ${JSON.stringify(readFileSync(join(root, path), 'utf8'))}`);
    }
  };
  walk('');
  return out;
}

const initialTree = (root: string) => snapshot(root);

interface Step {
  args: (root: string) => string[];
  stdin?: string;
  env?: Record<string, string>;
  exitCode: number;
  stdout: (root: string) => string;
}
interface Case {
  name: string;
  bin: string;
  steps: Step[];
  /** Host tree after the steps, as a change to the initial one; default: unchanged. */
  tree?: (before: string[]) => string[];
}

const fixed = (s: string) => () => s;
const argv = (...a: string[]) => () => a;
const denied = (op: string, path: string): Pick<Step, 'exitCode' | 'stdout'> => ({ exitCode: 1, stdout: fixed(`ERR ${op} ${path}\n`) });
const replace = (from: string, to: string | undefined) => (t: string[]) =>
  t.flatMap((line) => (line === from ? (to === undefined ? [] : [to]) : [line]));
const add = (...lines: string[]) => (t: string[]) => [...t, ...lines].sort(compareTree);
// The same order snapshot() produces: depth-first, names sorted within each directory.
function compareTree(a: string, b: string): number {
  const key = (l: string) => l.split(/[: ]/)[0]!.replace(/\/$/, '').split('/');
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return ka.length - kb.length;
}

const cases: Case[] = [
  {
    name: 'echo: only granted arguments and environment variables',
    bin: 'echo',
    steps: [
      {
        args: argv('x', 'y z'),
        env: { GREETING: 'hi' },
        exitCode: 0,
        stdout: fixed('argc=3\narg[0]=program.wasm\narg[1]=x\narg[2]=y z\nenvc=1\nenv GREETING=hi\nOFFLOAD_HOST_SECRET unset\n'),
      },
    ],
  },
  {
    name: 'echo: no grants means an empty environment',
    bin: 'echo',
    steps: [{ args: argv(), exitCode: 0, stdout: fixed('argc=1\narg[0]=program.wasm\nenvc=0\nOFFLOAD_HOST_SECRET unset\n') }],
  },
  { name: 'stdin is piped to the program', bin: 'files', steps: [{ args: argv('cat'), stdin: 'from stdin\n', exitCode: 0, stdout: fixed('from stdin\n') }] },
  { name: 'exit code 0 when main returns', bin: 'exitcode', steps: [{ args: argv(), exitCode: 0, stdout: fixed('returned from main\n') }] },
  { name: 'exit code 3', bin: 'exitcode', steps: [{ args: argv('3'), exitCode: 3, stdout: fixed('exiting with 3\n') }] },
  { name: 'exit code 42', bin: 'exitcode', steps: [{ args: argv('42'), exitCode: 42, stdout: fixed('exiting with 42\n') }] },
  { name: 'cat a granted file', bin: 'files', steps: [{ args: argv('cat', '/data/a.txt'), exitCode: 0, stdout: fixed('hello\n') }] },
  { name: 'cat through a symlink that stays inside', bin: 'files', steps: [{ args: argv('cat', '/data/in-link'), exitCode: 0, stdout: fixed('hello\n') }] },
  { name: 'cat with .. that stays inside', bin: 'files', steps: [{ args: argv('cat', '/data/sub/../a.txt'), exitCode: 0, stdout: fixed('hello\n') }] },
  { name: 'cat a read-only grant', bin: 'files', steps: [{ args: argv('cat', '/ro/r.txt'), exitCode: 0, stdout: fixed('read only\n') }] },
  { name: 'cat a missing file', bin: 'files', steps: [{ args: argv('cat', '/data/missing'), ...denied('cat', '/data/missing') }] },
  { name: 'stat', bin: 'files', steps: [{ args: argv('stat', '/data/a.txt'), exitCode: 0, stdout: fixed('len=6 dir=false\n') }] },
  {
    name: 'list a directory (symlinks reported, not followed)',
    bin: 'files',
    steps: [{ args: argv('ls', '/data'), exitCode: 0, stdout: fixed('a.txt file\nabs-link link\nin-link link\nlink-dir link\nlink-file link\nsub dir\n') }],
  },
  { name: "read a symlink's text", bin: 'files', steps: [{ args: argv('readlink', '/data/link-file'), exitCode: 0, stdout: fixed('../outside/secret.txt\n') }] },
  {
    name: 'write a new file',
    bin: 'files',
    steps: [{ args: argv('write', '/data/new.txt', 'fresh'), exitCode: 0, stdout: fixed('') }],
    tree: add('data/new.txt: "fresh"'),
  },
  {
    name: 'append to a file',
    bin: 'files',
    steps: [{ args: argv('append', '/data/a.txt', 'more'), exitCode: 0, stdout: fixed('') }],
    tree: replace('data/a.txt: "hello\\n"', 'data/a.txt: "hello\\nmore"'),
  },
  {
    name: 'mkdir, rename into it, and read back',
    bin: 'files',
    steps: [
      { args: argv('mkdir', '/data/made'), exitCode: 0, stdout: fixed('') },
      { args: argv('mv', '/data/a.txt', '/data/made/b.txt'), exitCode: 0, stdout: fixed('') },
      { args: argv('cat', '/data/made/b.txt'), exitCode: 0, stdout: fixed('hello\n') },
    ],
    tree: (t) => add('data/made/', 'data/made/b.txt: "hello\\n"')(replace('data/a.txt: "hello\\n"', undefined)(t)),
  },
  {
    name: 'remove a file',
    bin: 'files',
    steps: [{ args: argv('rm', '/data/a.txt'), exitCode: 0, stdout: fixed('') }],
    tree: replace('data/a.txt: "hello\\n"', undefined),
  },

  // Escape attempts: each must fail, print nothing of the secret, and change nothing.
  { name: 'escape: .. above the grant', bin: 'files', steps: [{ args: argv('cat', '/data/../outside/secret.txt'), ...denied('cat', '/data/../outside/secret.txt') }] },
  {
    name: 'escape: an absolute host path',
    bin: 'files',
    steps: [{ args: (r) => ['cat', join(r, 'outside', 'secret.txt')], exitCode: 1, stdout: (r) => `ERR cat ${join(r, 'outside', 'secret.txt')}\n` }],
  },
  { name: 'escape: .. from one grant into another', bin: 'files', steps: [{ args: argv('cat', '/ro/../data/a.txt'), ...denied('cat', '/ro/../data/a.txt') }] },
  { name: 'escape: file symlink pointing out', bin: 'files', steps: [{ args: argv('cat', '/data/link-file'), ...denied('cat', '/data/link-file') }] },
  { name: 'escape: directory symlink pointing out', bin: 'files', steps: [{ args: argv('cat', '/data/link-dir/secret.txt'), ...denied('cat', '/data/link-dir/secret.txt') }] },
  { name: 'escape: symlink to an absolute path', bin: 'files', steps: [{ args: argv('cat', '/data/abs-link'), ...denied('cat', '/data/abs-link') }] },
  { name: 'escape: list through a directory symlink', bin: 'files', steps: [{ args: argv('ls', '/data/link-dir'), ...denied('ls', '/data/link-dir') }] },
  { name: 'escape: write through a directory symlink', bin: 'files', steps: [{ args: argv('write', '/data/link-dir/pwned.txt', 'x'), ...denied('write', '/data/link-dir/pwned.txt') }] },
  { name: 'escape: write with ..', bin: 'files', steps: [{ args: argv('write', '/data/../outside/pwned.txt', 'x'), ...denied('write', '/data/../outside/pwned.txt') }] },
  { name: 'escape: rename out of the grant', bin: 'files', steps: [{ args: argv('mv', '/data/a.txt', '/data/../outside/moved.txt'), ...denied('mv', '/data/a.txt') }] },
  {
    name: 'escape: a symlink the guest creates, then follows',
    bin: 'files',
    steps: [
      // Creating a relative link is allowed on both engines; following it out is not.
      { args: argv('symlink', '../outside/secret.txt', '/data/evil'), exitCode: 0, stdout: fixed('') },
      { args: argv('cat', '/data/evil'), ...denied('cat', '/data/evil') },
    ],
    tree: add('data/evil -> ../outside/secret.txt'),
  },
  { name: 'escape: the guest creates a symlink to an absolute path', bin: 'files', steps: [{ args: argv('symlink', '/etc/passwd', '/data/evil'), ...denied('symlink', '/data/evil') }] },
  { name: 'read-only: create a file', bin: 'files', steps: [{ args: argv('write', '/ro/new.txt', 'x'), ...denied('write', '/ro/new.txt') }] },
  { name: 'read-only: overwrite a file', bin: 'files', steps: [{ args: argv('write', '/ro/r.txt', 'x'), ...denied('write', '/ro/r.txt') }] },
  { name: 'read-only: append', bin: 'files', steps: [{ args: argv('append', '/ro/r.txt', 'x'), ...denied('append', '/ro/r.txt') }] },
  { name: 'read-only: mkdir', bin: 'files', steps: [{ args: argv('mkdir', '/ro/d'), ...denied('mkdir', '/ro/d') }] },
  { name: 'read-only: delete', bin: 'files', steps: [{ args: argv('rm', '/ro/r.txt'), ...denied('rm', '/ro/r.txt') }] },
  { name: 'read-only: rename', bin: 'files', steps: [{ args: argv('mv', '/ro/r.txt', '/ro/s.txt'), ...denied('mv', '/ro/r.txt') }] },
];

interface CaseRecord {
  steps: Array<{ exitCode: number; stdout: string }>;
  tree: string[];
}

async function runCase(engine: ProgramEngine, c: Case): Promise<CaseRecord> {
  const root = makeSandbox();
  const before = initialTree(root);
  const record: CaseRecord = { steps: [], tree: [] };
  for (const step of c.steps) {
    const result: ProgramResult = await runner.run(wasm(c.bin), {
      engine,
      args: step.args(root),
      env: step.env,
      stdin: step.stdin,
      dirs: [
        { guest: '/data', host: join(root, 'data') },
        { guest: '/ro', host: join(root, 'ro'), readOnly: true },
      ],
      timeoutMs: 20_000,
    });
    const stdout = result.stdout.toString('utf8');
    assert.ok(!stdout.includes('TOP SECRET'), `the secret leaked to stdout: ${stdout}`);
    assert.ok(!result.stderr.toString().includes('TOP SECRET'), 'the secret leaked to stderr');
    assert.equal(stdout, step.stdout(root), `stdout of ${step.args(root).join(' ')} (stderr: ${result.stderr.toString()})`);
    assert.equal(result.exitCode, step.exitCode, `exit code of ${step.args(root).join(' ')}`);
    record.steps.push({ exitCode: result.exitCode, stdout: stdout.replaceAll(root, '<root>') });
  }
  record.tree = snapshot(root);
  assert.deepEqual(record.tree, (c.tree ?? ((t) => t))(before), 'host files after the run');
  return record;
}

const records: Record<ProgramEngine, Map<string, CaseRecord>> = { v8: new Map(), wasmedge: new Map() };

for (const engine of engines) {
  describe(`programs on ${engine}`, () => {
    for (const c of cases) {
      test(c.name, async () => {
        records[engine].set(c.name, await runCase(engine, c));
      });
    }

    test('an endless loop is killed by the timeout, and the engine keeps working', async () => {
      await assert.rejects(runner.run(wasm('spin'), { engine, timeoutMs: 500 }), (e: unknown) => {
        assert.ok(e instanceof ProgramTimeoutError);
        assert.equal(e.code, 'ERR_OFFLOAD_TIMEOUT');
        assert.match(e.message, /did not finish within 500 ms/);
        return true;
      });
      const next = await runner.run(wasm('exitcode'), { engine, args: ['5'] });
      assert.equal(next.exitCode, 5);
    });

    test('a memory bomb is stopped by the memory cap', async () => {
      await assert.rejects(runner.run(wasm('membomb'), { engine, memoryLimitMb: 32, timeoutMs: 20_000 }), (e: unknown) => {
        assert.ok(e instanceof ProgramMemoryLimitError, String(e));
        assert.equal(e.code, 'ERR_OFFLOAD_MEMORY');
        assert.match(e.message, /memory limit of 32 MiB/);
        // It got close to the cap before failing: the cap, not something else, stopped it.
        assert.match(e.stderr.toString(), /allocated (16|32) MiB/);
        assert.doesNotMatch(e.stderr.toString(), /allocated 48 MiB/);
        return true;
      });
    });

    test('a larger cap lets the same program allocate more', async () => {
      await assert.rejects(runner.run(wasm('membomb'), { engine, memoryLimitMb: 80, timeoutMs: 20_000 }), (e: unknown) => {
        assert.ok(e instanceof ProgramMemoryLimitError);
        assert.match(e.stderr.toString(), /allocated 64 MiB/);
        return true;
      });
    });

    test('a panic is a trap carrying the panic message', async () => {
      await assert.rejects(runner.run(wasm('exitcode'), { engine, args: ['panic', 'the reason'] }), (e: unknown) => {
        assert.ok(e instanceof ProgramTrapError, String(e));
        assert.equal(e.code, 'ERR_OFFLOAD_TRAP');
        assert.match(e.trap, /panicked at src\/bin\/exitcode.rs:\d+:\d+: the reason/);
        assert.match(e.message, new RegExp(`trapped on ${engine}`));
        return true;
      });
    });

    test("a trap carries the guest's own stderr, so the caller can show it", async () => {
      await assert.rejects(runner.run(wasm('exitcode'), { engine, args: ['panic', 'shown to the user'] }), (e: unknown) => {
        assert.ok(e instanceof ProgramTrapError, String(e));
        assert.match(e.stderr.toString('utf8'), /thread 'main' \(\d+\) panicked at src\/bin\/exitcode\.rs:\d+:\d+:\nshown to the user\n/);
        // Nothing of the engine's own logging is mixed into the guest's stream.
        assert.doesNotMatch(e.stderr.toString('utf8'), /\[error\]|execution failed/);
        return true;
      });
    });

    test('a malformed .wasm gets a clear error', async () => {
      const check = (pattern: RegExp) => (e: unknown) => {
        assert.ok(e instanceof BadModuleError, String(e));
        assert.equal(e.code, 'ERR_OFFLOAD_BAD_MODULE');
        assert.match(e.message, pattern);
        return true;
      };
      await assert.rejects(runner.run(Buffer.from('definitely not wasm'), { engine }), check(/magic number/));
      await assert.rejects(runner.run(wasm('echo').subarray(0, 200), { engine }), check(/not a runnable WASI program/));
      // A valid module that is not a command: no _start.
      const library = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
      await assert.rejects(runner.run(library, { engine }), check(/exports no _start/));
    });

    test('a grant of a missing directory is refused before anything runs', async () => {
      await assert.rejects(runner.run(wasm('echo'), { engine, dirs: [{ guest: '/data', host: join(scratch, 'nope') }] }), (e: unknown) => {
        assert.ok(e instanceof InvalidProgramOptionsError);
        assert.equal(e.code, 'ERR_OFFLOAD_INVALID_OPTIONS');
        assert.match(e.message, /cannot be granted/);
        return true;
      });
    });
  });
}

describe('both engines', () => {
  test('give identical results for every case (stdout, exit codes, effects on files)', () => {
    for (const c of cases) {
      assert.ok(records.v8.has(c.name) && records.wasmedge.has(c.name), `case "${c.name}" did not run on both engines`);
      assert.deepEqual(records.wasmedge.get(c.name), records.v8.get(c.name), c.name);
    }
  });

  test('run concurrently without mixing up outputs', async () => {
    const runs = [];
    for (let i = 0; i < 6; i++) {
      for (const engine of engines) runs.push(runner.run(wasm('exitcode'), { engine, args: [String(i)] }).then((r) => [engine, i, r] as const));
    }
    for (const [, i, r] of await Promise.all(runs)) {
      assert.equal(r.exitCode, i);
      assert.equal(r.stdout.toString(), `exiting with ${i}\n`);
    }
  });
});
