/**
 * resolveBeneath, the path walk under offload's V8 WASI layer, called directly: the guest's
 * libc filters some paths (absolute ones outside any preopen) before they reach the host, so
 * these cases check the host side with no libc in front of it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Errno } from '../src/programs/wasi/constants.js';
import { WasiErrnoError, resolveBeneath } from '../src/programs/wasi/resolve-beneath.js';

const top = mkdtempSync(join(tmpdir(), 'offload-paths-'));
const root = join(top, 'grant');
mkdirSync(join(root, 'dir', 'deep'), { recursive: true });
mkdirSync(join(top, 'outside'));
writeFileSync(join(root, 'file.txt'), 'x');
writeFileSync(join(top, 'outside', 'secret'), 'secret');
symlinkSync('dir/deep', join(root, 'to-deep'));
symlinkSync('../file.txt', join(root, 'dir', 'up-link'));
symlinkSync('../../outside', join(root, 'dir', 'out-link'));
symlinkSync(join(top, 'outside'), join(root, 'abs-link'));
symlinkSync('loop-b', join(root, 'loop-a'));
symlinkSync('loop-a', join(root, 'loop-b'));
after(() => rmSync(top, { recursive: true, force: true }));

const errno = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof WasiErrnoError) return e.errno;
    throw e;
  }
  return Errno.SUCCESS;
};

test('paths that stay inside resolve to the real location', () => {
  assert.deepEqual(resolveBeneath(root, [], 'dir/./deep/../deep', true).components, ['dir', 'deep']);
  assert.deepEqual(resolveBeneath(root, [], 'to-deep/..', true).components, ['dir'], '.. after a link climbs from its target');
  assert.deepEqual(resolveBeneath(root, [], 'dir/up-link', true).components, ['file.txt']);
  assert.deepEqual(resolveBeneath(root, ['dir'], '../file.txt', true).components, ['file.txt']);
  assert.deepEqual(resolveBeneath(root, [], '.', true).components, []);
});

test('a final symlink is left alone without SYMLINK_FOLLOW', () => {
  assert.deepEqual(resolveBeneath(root, [], 'abs-link', false).components, ['abs-link']);
});

test('escapes fail with PERM', () => {
  assert.equal(errno(() => resolveBeneath(root, [], '/etc/passwd', true)), Errno.PERM);
  assert.equal(errno(() => resolveBeneath(root, [], '..', true)), Errno.PERM);
  assert.equal(errno(() => resolveBeneath(root, ['dir'], '../../outside/secret', true)), Errno.PERM);
  assert.equal(errno(() => resolveBeneath(root, [], 'dir/out-link/secret', true)), Errno.PERM);
  assert.equal(errno(() => resolveBeneath(root, [], 'abs-link/secret', false)), Errno.PERM, 'intermediate links are always checked');
  assert.equal(errno(() => resolveBeneath(root, [], 'abs-link', true)), Errno.PERM);
});

test('other failures keep their POSIX errno', () => {
  assert.equal(errno(() => resolveBeneath(root, [], 'loop-a', true)), Errno.LOOP);
  assert.equal(errno(() => resolveBeneath(root, [], 'file.txt/x', true)), Errno.NOTDIR);
  assert.equal(errno(() => resolveBeneath(root, [], 'missing/x', true)), Errno.NOENT);
  assert.equal(errno(() => resolveBeneath(root, [], '', true)), Errno.NOENT);
  assert.equal(errno(() => resolveBeneath(root, [], 'a\0b', true)), Errno.INVAL);
});
