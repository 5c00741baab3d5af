import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { cloneFile } from './clone-file.ts';
import { SysError } from './errors.ts';
import { mount } from './mount.ts';
import { scratchDir, unmountInTeardown } from './testing/scratch.ts';

/** What a caller falls back to copying on; Linux spells EOPNOTSUPP as ENOTSUP (both 95). */
const NOT_CLONABLE = ['EOPNOTSUPP', 'ENOTSUP', 'EXDEV', 'EINVAL'];

/** mkfs.xfs wants at least 300 MB; the image is sparse, so it costs only what XFS writes. */
const XFS_IMAGE_BYTES = 300 * 1024 * 1024;

function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((dir) => dir !== '' && fs.existsSync(path.join(dir, name)));
}

/** Fails the test, saying what to install, on a host without mkfs.xfs: a skip would pass unnoticed. */
function canMakeXfs(t: ExecutionContext): boolean {
  if (onPath('mkfs.xfs')) return true;
  t.fail('mkfs.xfs not found: this test needs xfsprogs (apt-get install xfsprogs; .ci/run installs it)');
  return false;
}

/** An XFS filesystem with reflink on a loop device, mounted in the scratch dir; all undone at teardown. */
function mountReflinkXfs(t: ExecutionContext, dir: string): string {
  const image = path.join(dir, 'xfs.img');
  fs.closeSync(fs.openSync(image, 'w'));
  fs.truncateSync(image, XFS_IMAGE_BYTES);
  execFileSync('mkfs.xfs', ['-q', '-m', 'reflink=1', image]);
  const loop = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
  t.teardown(() => execFileSync('losetup', ['--detach', loop]));
  const mnt = path.join(dir, 'xfs');
  fs.mkdirSync(mnt);
  mount(loop, mnt, 'xfs', 0);
  unmountInTeardown(t, mnt);
  return mnt;
}

test('on tmpfs cloneFile fails with a SysError a caller can fall back on, leaving no destination', (t) => {
  const dir = scratchDir(t);
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.writeFileSync(src, 'not clonable here');
  const err = t.throws(() => cloneFile(src, dst), { instanceOf: SysError });
  t.true(NOT_CLONABLE.includes(err?.code ?? ''), `code ${err?.code}`);
  t.is(err?.path, dst);
  t.false(fs.existsSync(dst));
});

test('a missing source fails with ENOENT naming it', (t) => {
  const dir = scratchDir(t);
  const src = path.join(dir, 'missing');
  const err = t.throws(() => cloneFile(src, path.join(dir, 'dst')), { instanceOf: SysError });
  t.is(err?.code, 'ENOENT');
  t.is(err?.path, src);
});

test('on XFS with reflink a clone has the same bytes and mode, and writes to it leave the source alone', (t) => {
  if (!canMakeXfs(t)) return;
  const dir = scratchDir(t);
  const mnt = mountReflinkXfs(t, dir);
  const src = path.join(mnt, 'src');
  const dst = path.join(mnt, 'dst');
  const data = randomBytes(1024 * 1024 + 17);
  fs.writeFileSync(src, data);
  fs.chmodSync(src, 0o4751);
  fs.writeFileSync(dst, 'old content, longer than nothing');

  cloneFile(src, dst);
  t.deepEqual(fs.readFileSync(dst), data);
  t.is(fs.statSync(dst).mode & 0o7777, 0o4751);

  fs.writeFileSync(dst, 'changed');
  t.deepEqual(fs.readFileSync(src), data, 'the extents are shared copy-on-write');
});

test('a clone across filesystems fails with EXDEV', (t) => {
  if (!canMakeXfs(t)) return;
  const dir = scratchDir(t);
  const mnt = mountReflinkXfs(t, dir);
  const src = path.join(dir, 'on-tmpfs');
  fs.writeFileSync(src, 'x');
  const err = t.throws(() => cloneFile(src, path.join(mnt, 'dst')), { instanceOf: SysError });
  t.is(err?.code, 'EXDEV');
});
