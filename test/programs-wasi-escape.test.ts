/**
 * Escapes through a directory descriptor, on offload's own WASI layer, call by call: the
 * guest opens a subdirectory, then (as a racing guest or a second program could) the host
 * path behind it is swapped for a symlink that climbs out of the grant. Every later use of
 * the old descriptor must be refused rather than follow the symlink outside.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Errno, FstFlags, OFlags, Rights } from '../src/programs/wasi/constants.js';
import { WasiPreview1 } from '../src/programs/wasi-preview1.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'offload-wasi-escape-')));
after(() => rmSync(root, { recursive: true, force: true }));

type Call = (...args: Array<number | bigint>) => number;

function setup() {
  const box = mkdtempSync(join(root, 'box-'));
  mkdirSync(join(box, 'data', 'sub'), { recursive: true });
  mkdirSync(join(box, 'outside'));
  writeFileSync(join(box, 'data', 'sub', 'inner.txt'), 'inside\n');
  writeFileSync(join(box, 'outside', 'secret.txt'), 'TOP SECRET\n');
  const wasi = new WasiPreview1({
    args: [],
    env: {},
    stdin: new Uint8Array(),
    dirs: [{ guest: '/data', host: join(box, 'data'), readOnly: false }],
    maxOutputBytes: 1 << 20,
  });
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.setMemory(memory);
  const calls = wasi.imports() as unknown as Record<string, Call>;
  const bytes = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  const PATH = 1024;
  const put = (text: string): [number, number] => {
    const encoded = new TextEncoder().encode(text);
    bytes.set(encoded, PATH);
    return [PATH, encoded.length];
  };
  return { box, calls, bytes, view, put };
}

test('a directory descriptor whose path became an outward symlink gives PERM, never the outside', () => {
  const { box, calls, bytes, view, put } = setup();
  // fd 3 is /data; open data/sub as a directory descriptor.
  assert.equal(calls.path_open!(3, 0, ...put('sub'), OFlags.DIRECTORY, Rights.FD_READDIR | Rights.PATH_OPEN | Rights.FD_FILESTAT_SET_TIMES, Rights.FD_READ, 0, 0), Errno.SUCCESS);
  const subFd = view.getUint32(0, true);

  renameSync(join(box, 'data', 'sub'), join(box, 'data', 'moved'));
  symlinkSync('../outside', join(box, 'data', 'sub'));
  const outsideMtime = statSync(join(box, 'outside')).mtimeMs;

  assert.equal(calls.fd_readdir!(subFd, 2048, 4096, 0n, 8), Errno.PERM, 'fd_readdir');
  assert.ok(!new TextDecoder().decode(bytes.subarray(2048, 2048 + 4096)).includes('secret.txt'), 'the outside was listed');
  assert.equal(calls.path_open!(subFd, 0, ...put('secret.txt'), 0, Rights.FD_READ, 0n, 0, 0), Errno.PERM, 'path_open');
  assert.equal(calls.fd_filestat_get!(subFd, 2048), Errno.PERM, 'fd_filestat_get');
  assert.equal(calls.fd_filestat_set_times!(subFd, 0n, 0n, FstFlags.MTIM), Errno.PERM, 'fd_filestat_set_times');
  assert.equal(statSync(join(box, 'outside')).mtimeMs, outsideMtime, 'the outside directory was touched');
  assert.deepEqual(readdirSync(join(box, 'outside')), ['secret.txt']);
});

test('rights only shrink: a dropped right stays dropped and cannot be asked back', () => {
  const { calls, view, put } = setup();
  const rights = Rights.FD_READ | Rights.FD_WRITE | Rights.FD_SEEK;
  assert.equal(calls.path_open!(3, 0, ...put('sub/inner.txt'), 0, rights, 0n, 0, 0), Errno.SUCCESS);
  const fd = view.getUint32(0, true);
  assert.equal(calls.fd_fdstat_set_rights!(fd, Rights.FD_READ, 0n), Errno.SUCCESS);
  assert.equal(calls.fd_fdstat_set_rights!(fd, rights, 0n), Errno.NOTCAPABLE);
  assert.equal(calls.fd_fdstat_get!(fd, 64), Errno.SUCCESS);
  assert.equal(view.getBigUint64(64 + 8, true), Rights.FD_READ);
  // iovec at 128: 4 bytes at 256.
  view.setUint32(128, 256, true);
  view.setUint32(132, 4, true);
  assert.equal(calls.fd_write!(fd, 128, 1, 0), Errno.BADF, 'fd_write after FD_WRITE was dropped');
});

test('a read-only grant reports no right to change anything, and its files cannot turn APPEND on', () => {
  const box = mkdtempSync(join(root, 'ro-'));
  writeFileSync(join(box, 'r.txt'), 'read only\n');
  const wasi = new WasiPreview1({ args: [], env: {}, stdin: new Uint8Array(), dirs: [{ guest: '/ro', host: box, readOnly: true }], maxOutputBytes: 1024 });
  const memory = new WebAssembly.Memory({ initial: 1 });
  wasi.setMemory(memory);
  const calls = wasi.imports() as unknown as Record<string, Call>;
  const view = new DataView(memory.buffer);
  assert.equal(calls.fd_fdstat_get!(3, 64), Errno.SUCCESS);
  const base = view.getBigUint64(64 + 8, true);
  const inheriting = view.getBigUint64(64 + 16, true);
  for (const right of [Rights.PATH_CREATE_FILE, Rights.PATH_UNLINK_FILE, Rights.PATH_RENAME_TARGET, Rights.PATH_SYMLINK]) {
    assert.equal(base & right, 0n);
  }
  assert.equal(inheriting & (Rights.FD_WRITE | Rights.FD_FILESTAT_SET_SIZE), 0n);
  new Uint8Array(memory.buffer).set(new TextEncoder().encode('r.txt'), 1024);
  assert.equal(calls.path_open!(3, 0, 1024, 5, 0, Rights.FD_READ | Rights.FD_FDSTAT_SET_FLAGS, 0n, 0, 0), Errno.SUCCESS);
  const fd = view.getUint32(0, true);
  assert.equal(calls.fd_fdstat_set_flags!(fd, 1 /* APPEND */), Errno.NOTCAPABLE);
});
