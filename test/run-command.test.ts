// `offload run` from the command line: grants, read-only, escapes and bad modules, on both engines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildProgramFixture, ensureWasmEdge } from './helpers/build-program.js';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

let files: string;
let exitcode: string;
let root: { path: string; remove: () => Promise<void> };

before(async () => {
  await ensureWasmEdge();
  const built = await buildProgramFixture(join(repoRoot, 'test', 'fixtures', 'programs'));
  files = built.get('files') as string;
  exitcode = built.get('exitcode') as string;
  root = await tempDir('run');
  await mkdir(join(root.path, 'data'));
  await writeFile(join(root.path, 'data', 'note.txt'), 'granted text\n');
  await writeFile(join(root.path, 'outside.txt'), 'must stay private\n');
});
after(() => root.remove());

function runWithStdin(args: string[], stdin: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    child.stdin.end(stdin);
  });
}

for (const engine of ['v8', 'wasmedge'] as const) {
  describe(`offload run --engine ${engine}`, () => {
    it('reads a granted file and passes the exit code through', async () => {
      const data = join(root.path, 'data');
      const ok = await runCli(['run', files, '--engine', engine, '--dir', `${data}:/data:ro`, '--', 'cat', '/data/note.txt']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'granted text\n');
    });

    it('refuses writes to a read-only grant and reads outside it', async () => {
      const data = join(root.path, 'data');
      const write = await runCli(['run', files, '--engine', engine, '--dir', `${data}:/data:ro`, '--', 'write', '/data/new.txt', 'x']);
      assert.equal(write.code, 1);
      assert.equal(write.stdout, 'ERR write /data/new.txt\n');
      const escape = await runCli(['run', files, '--engine', engine, '--dir', `${data}:/data`, '--', 'cat', '/data/../outside.txt']);
      assert.equal(escape.code, 1);
      assert.equal(escape.stdout, 'ERR cat /data/../outside.txt\n');
    });

    it("prints the program's own stderr when it traps, before offload's error line", async () => {
      const result = await runCli(['run', exitcode, '--engine', engine, '--', 'panic', 'the reason']);
      assert.equal(result.code, 1);
      const panic = result.stderr.search(/panicked at src\/bin\/exitcode\.rs:\d+:\d+:\nthe reason\n/);
      const error = result.stderr.indexOf('error[ERR_OFFLOAD_TRAP]');
      assert.ok(panic >= 0 && error > panic, result.stderr);
    });

    it("prints the program's stderr and passes its code through when it exits non-zero", async () => {
      const result = await runCli(['run', exitcode, '--engine', engine, '--', '3']);
      assert.equal(result.code, 3);
      assert.equal(result.stdout, 'exiting with 3\n');
      assert.equal(result.stderr, 'stderr before exit 3\n');
    });

    it('pipes stdin to the program', async () => {
      const result = await runWithStdin(['run', files, '--engine', engine, '--', 'cat'], 'from stdin');
      assert.equal(result.code, 0);
      assert.equal(result.stdout, 'from stdin');
    });
  });
}

describe('offload run refuses bad input', () => {
  it('a file that is not wasm', async () => {
    const bogus = join(root.path, 'bogus.wasm');
    await writeFile(bogus, 'not wasm at all');
    const result = await runCli(['run', bogus]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error\[ERR_OFFLOAD_BAD_MODULE\]/);
  });

  it('a malformed --dir', async () => {
    const result = await runCli(['run', files, '--dir', 'only-one-part']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /expected host:guest or host:guest:ro/);
  });
});
