import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { fileHeader, OPAQUE_MARKER, packTree, readTar, tarHeader, type UnpackContext } from '@layerctl/snapshotter';
import { lgetxattr, lsetxattr, mknod, S_IFCHR } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { OPAQUE_XATTR, overlayWhiteouts } from './whiteout.ts';

function packed(file: string, name: string) {
  const stat = fs.lstatSync(file, { bigint: true });
  const header = fileHeader(file, name, stat);
  if (header === undefined) throw new TypeError(`${file}: no tar header`);
  return overlayWhiteouts.pack({ header, path: file, stat });
}

function contextFor(dir: string): UnpackContext {
  return { entry: 'test', existingDir: () => dir, makeDir: () => dir, removeBelow: () => {} };
}

test('a char 0/0 device packs as an empty .wh. file in its directory', (t) => {
  const dir = scratchDir(t);
  mknod(path.join(dir, 'gone'), S_IFCHR, 0, 0);
  const [header, ...rest] = packed(path.join(dir, 'gone'), 'sub/gone');
  t.deepEqual(rest, []);
  t.like(header, { name: 'sub/.wh.gone', type: 'file', size: 0, mode: 0o644, mtimeNs: 0n, linkname: '' });
});

test('a char device with another number stays a device', (t) => {
  const dir = scratchDir(t);
  mknod(path.join(dir, 'null'), S_IFCHR | 0o666, 1, 3);
  t.like(packed(path.join(dir, 'null'), 'null')[0], { name: 'null', type: 'char', devmajor: 1, devminor: 3 });
});

test('an opaque directory packs as itself plus a .wh..wh..opq marker, without trusted.overlay xattrs', (t) => {
  const dir = path.join(scratchDir(t), 'dir');
  fs.mkdirSync(dir);
  lsetxattr(dir, OPAQUE_XATTR, Buffer.from('y'));
  lsetxattr(dir, 'trusted.overlay.origin', Buffer.from([0, 1]));
  lsetxattr(dir, 'user.kept', Buffer.from('v'));
  const [header, marker, ...rest] = packed(dir, 'dir');
  t.deepEqual(rest, []);
  t.is(header?.type, 'directory');
  t.deepEqual([...(header?.xattrs.keys() ?? [])], ['user.kept']);
  t.like(marker, { name: `dir/${OPAQUE_MARKER}`, type: 'file', size: 0 });
});

test('a directory whose opaque xattr is not "y" is no opaque directory', (t) => {
  const dir = path.join(scratchDir(t), 'dir');
  fs.mkdirSync(dir);
  lsetxattr(dir, OPAQUE_XATTR, Buffer.from('x'));
  t.is(packed(dir, 'dir').length, 1);
});

test('unpacking a whiteout makes a char 0/0 device; an opaque marker sets the xattr on its directory', (t) => {
  const dir = scratchDir(t);
  overlayWhiteouts.unpack({ kind: 'whiteout', name: 'gone', header: tarHeader({ name: '.wh.gone', type: 'file' }) }, contextFor(dir));
  const st = fs.lstatSync(path.join(dir, 'gone'));
  t.true(st.isCharacterDevice());
  t.is(st.rdev, 0);
  overlayWhiteouts.unpack({ kind: 'opaque', header: tarHeader({ name: OPAQUE_MARKER, type: 'file' }) }, contextFor(dir));
  t.is(lgetxattr(dir, OPAQUE_XATTR)?.toString(), 'y');
});

test('a whiteout of a name the same layer wrote leaves that entry standing', (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, 'here'), 'mine');
  overlayWhiteouts.unpack({ kind: 'whiteout', name: 'here', header: tarHeader({ name: '.wh.here', type: 'file' }) }, contextFor(dir));
  t.is(fs.readFileSync(path.join(dir, 'here'), 'utf8'), 'mine');
});

test('whiteouts that share one inode, as the kernel makes them, pack as separate .wh. files, never as tar hardlinks', async (t) => {
  const dir = scratchDir(t);
  mknod(path.join(dir, 'a'), S_IFCHR, 0, 0);
  fs.linkSync(path.join(dir, 'a'), path.join(dir, 'b'));
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  fs.linkSync(path.join(dir, 'file'), path.join(dir, 'file-link'));
  const entries: Array<[string, string, string]> = [];
  for await (const { header } of readTar(packTree(dir, { whiteouts: overlayWhiteouts }))) entries.push([header.name, header.type, header.linkname]);
  t.deepEqual(entries, [
    ['.wh.a', 'file', ''],
    ['.wh.b', 'file', ''],
    ['file', 'file', ''],
    ['file-link', 'hardlink', 'file'],
  ]);
});
