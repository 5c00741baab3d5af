import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { SysError } from './errors.ts';
import { S_IFREG } from './file-types.ts';
import { existsInRoot, mkdirInRoot, mknodInRoot, O_DIRECTORY, O_PATH, openInRoot } from './open-in-root.ts';
import { scratchDir } from './testing/scratch.ts';

// A root with an absolute symlink aimed at a sentinel directory outside it, by its real path:
// the way a hostile image aims `/etc` at the host's.
function hostileRoot(t: Parameters<typeof scratchDir>[0]): { root: string; sentinel: string; rootFd: number } {
  const dir = scratchDir(t);
  const root = path.join(dir, 'root');
  const sentinel = path.join(dir, 'sentinel');
  fs.mkdirSync(root);
  fs.mkdirSync(sentinel);
  fs.symlinkSync(sentinel, path.join(root, 'etc'));
  fs.symlinkSync('../../../..', path.join(root, 'up'));
  const rootFd = fs.openSync(root, fs.constants.O_RDONLY | O_DIRECTORY);
  t.teardown(() => fs.closeSync(rootFd));
  return { root, sentinel, rootFd };
}

test('an absolute symlink is resolved inside the root, and mkdir -p makes its target there', (t) => {
  const { root, sentinel, rootFd } = hostileRoot(t);
  mkdirInRoot(rootFd, '/etc/ssl/certs');
  t.deepEqual(fs.readdirSync(sentinel), []);
  t.true(fs.statSync(path.join(root, sentinel, 'ssl', 'certs')).isDirectory());
  const fd = openInRoot(rootFd, '/etc/ssl/certs', O_PATH | O_DIRECTORY);
  t.is(fs.realpathSync(`/proc/self/fd/${fd}`), path.join(root, sentinel, 'ssl', 'certs'));
  fs.closeSync(fd);
});

test('.. and a relative symlink climbing out stop at the root', (t) => {
  const { root, rootFd } = hostileRoot(t);
  const fd = openInRoot(rootFd, '/up/../../..', O_PATH | O_DIRECTORY);
  t.is(fs.realpathSync(`/proc/self/fd/${fd}`), root);
  fs.closeSync(fd);
});

test('mknod through a symlinked parent lands inside the root', (t) => {
  const { root, sentinel, rootFd } = hostileRoot(t);
  mkdirInRoot(rootFd, '/etc');
  mknodInRoot(rootFd, '/etc/hosts', S_IFREG | 0o644);
  t.true(fs.statSync(path.join(root, sentinel, 'hosts')).isFile());
  t.deepEqual(fs.readdirSync(sentinel), []);
  t.true(existsInRoot(rootFd, '/etc/hosts'));
  t.throws(() => mknodInRoot(rootFd, '/etc/hosts', S_IFREG | 0o644), { instanceOf: SysError, message: /EEXIST/ });
});

test('a missing path is ENOENT naming it', (t) => {
  const { rootFd } = hostileRoot(t);
  t.false(existsInRoot(rootFd, '/nothing/here'));
  t.throws(() => openInRoot(rootFd, '/nothing/here', O_PATH), { instanceOf: SysError, message: 'openat2 nothing/here: ENOENT' });
});

test('mknod at a dangling absolute symlink makes its target inside the root, never the host path', (t) => {
  const { root, sentinel, rootFd } = hostileRoot(t);
  fs.mkdirSync(path.join(root, 'conf'));
  fs.writeFileSync(path.join(sentinel, 'shadow'), 'sentinel');
  fs.symlinkSync(path.join(sentinel, 'shadow'), path.join(root, 'conf', 'hosts'));
  mknodInRoot(rootFd, '/conf/hosts', S_IFREG | 0o644);
  t.is(fs.readFileSync(path.join(sentinel, 'shadow'), 'utf8'), 'sentinel');
  t.true(fs.statSync(path.join(root, sentinel, 'shadow')).isFile());
});
