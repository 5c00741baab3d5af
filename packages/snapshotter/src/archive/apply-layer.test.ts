import fs from 'node:fs';
import test from 'ava';
import { lgetxattr, lsetxattr } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { applyLayer } from './apply-layer.ts';
import { CAPABILITY } from './testdata/edge-tree.ts';
import { treeFacts } from './testdata/compare-trees.ts';
import { dirEntry, FIXED_MTIME_NS, fileEntry, hardlinkEntry, layerTar, opaqueEntry, symlinkEntry, whiteoutEntry } from './testdata/layer-entries.ts';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, ociWhiteouts, type WhiteoutConverter } from './whiteout.ts';

process.umask(0);

/** Every name under `dir` with its type and, for files, content: the merged view a test expects. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const name of fs.readdirSync(`${dir}/${sub}`).sort()) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      const stat = fs.lstatSync(`${dir}/${rel}`);
      if (stat.isDirectory()) {
        out[rel] = 'dir';
        walk(rel);
      } else if (stat.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(`${dir}/${rel}`)}`;
      else out[rel] = fs.readFileSync(`${dir}/${rel}`, 'utf8');
    }
  };
  walk('');
  return out;
}

test('a layer stack merges: whiteouts delete lower entries, an opaque marker after new entries hides only the lower ones', async (t) => {
  const target = scratchDir(t);
  await applyLayer(
    target,
    layerTar(
      dirEntry('a'),
      fileEntry('a/keep', 'lower'),
      fileEntry('a/gone', 'lower'),
      dirEntry('a/sub'),
      fileEntry('a/sub/deep', 'lower'),
      dirEntry('o'),
      fileEntry('o/both', 'lower'),
      dirEntry('o/mixed'),
      fileEntry('o/mixed/lower-file', 'lower'),
      fileEntry('o/old', 'lower'),
      dirEntry('o/old-dir'),
      fileEntry('o/old-dir/x', 'lower'),
      dirEntry('p'),
      fileEntry('p/old', 'lower'),
      dirEntry('dir-gone'),
      fileEntry('dir-gone/x', 'lower'),
      fileEntry('top-gone', 'lower'),
    ),
  );
  await applyLayer(
    target,
    layerTar(
      whiteoutEntry('a/gone'),
      whiteoutEntry('a/sub/deep'),
      whiteoutEntry('dir-gone'),
      dirEntry('o'),
      fileEntry('o/both', 'upper'),
      fileEntry('o/mixed/upper-file', 'upper'),
      dirEntry('o/new-dir'),
      fileEntry('o/new-dir/y', 'upper'),
      opaqueEntry('o'),
      opaqueEntry('p'),
      fileEntry('p/new', 'upper'),
      whiteoutEntry('top-gone'),
    ),
  );
  t.deepEqual(contents(target), {
    a: 'dir',
    'a/keep': 'lower',
    'a/sub': 'dir',
    o: 'dir',
    'o/both': 'upper',
    'o/mixed': 'dir',
    'o/mixed/upper-file': 'upper',
    'o/new-dir': 'dir',
    'o/new-dir/y': 'upper',
    p: 'dir',
    'p/new': 'upper',
  });
});

test('a whiteout never survives in the result, nor does an opaque marker', async (t) => {
  const target = scratchDir(t);
  await applyLayer(target, layerTar(dirEntry('d'), whiteoutEntry('d/never-was'), opaqueEntry('d'), whiteoutEntry('also-never')));
  t.deepEqual(contents(target), { d: 'dir' });
});

test('a whiteout removes only what is below: an entry of the same layer at that path stays', async (t) => {
  const target = scratchDir(t);
  await applyLayer(target, layerTar(fileEntry('f', 'lower')));
  await applyLayer(target, layerTar(fileEntry('f', 'upper'), whiteoutEntry('f')));
  t.deepEqual(contents(target), { f: 'upper' });
  await applyLayer(target, layerTar(whiteoutEntry('f'), fileEntry('f', 'again')));
  t.deepEqual(contents(target), { f: 'again' });
});

test('an entry replaces a path of another type; a directory met by a directory stays and takes its metadata', async (t) => {
  const target = scratchDir(t);
  await applyLayer(
    target,
    layerTar(dirEntry('dir-to-file'), fileEntry('dir-to-file/x', 'lower'), fileEntry('file-to-dir', 'lower'), symlinkEntry('link-to-file', '/etc'), dirEntry('kept', { mode: 0o700 }), fileEntry('kept/lower', 'lower')),
  );
  await applyLayer(
    target,
    layerTar(fileEntry('dir-to-file', 'upper'), dirEntry('file-to-dir'), fileEntry('link-to-file', 'upper'), dirEntry('kept', { mode: 0o751, uid: 7, gid: 8 })),
  );
  t.deepEqual(contents(target), { 'dir-to-file': 'upper', 'file-to-dir': 'dir', 'link-to-file': 'upper', kept: 'dir', 'kept/lower': 'lower' });
  const kept = fs.statSync(`${target}/kept`);
  t.is(kept.mode & 0o7777, 0o751);
  t.deepEqual([kept.uid, kept.gid], [7, 8]);
});

test('a file written over a lower hardlink gets a new inode: the other name keeps the old content', async (t) => {
  const target = scratchDir(t);
  await applyLayer(target, layerTar(fileEntry('one', 'shared'), hardlinkEntry('two', 'one')));
  await applyLayer(target, layerTar(fileEntry('one', 'new')));
  t.deepEqual(contents(target), { one: 'new', two: 'shared' });
});

test('hardlinks reach files written earlier in the layer and files of the layers below', async (t) => {
  const target = scratchDir(t);
  await applyLayer(target, layerTar(fileEntry('lower', 'below')));
  await applyLayer(target, layerTar(fileEntry('upper', 'here'), hardlinkEntry('to-upper', 'upper'), hardlinkEntry('to-lower', '/lower'), dirEntry('sub'), hardlinkEntry('sub/deep', './sub/../lower')));
  t.is(fs.statSync(`${target}/to-upper`).ino, fs.statSync(`${target}/upper`).ino);
  t.is(fs.statSync(`${target}/to-lower`).ino, fs.statSync(`${target}/lower`).ino);
  t.is(fs.statSync(`${target}/sub/deep`).nlink, 3);
});

test('owner before mode before xattrs: setuid and security.capability survive the chown', async (t) => {
  const target = scratchDir(t);
  const xattrs = new Map([['security.capability', CAPABILITY]]);
  await applyLayer(target, layerTar(fileEntry('suid', 'x', { mode: 0o6755, uid: 300000, gid: 300001, xattrs })));
  const stat = fs.statSync(`${target}/suid`);
  t.is(stat.mode & 0o7777, 0o6755);
  t.deepEqual([stat.uid, stat.gid], [300000, 300001]);
  t.deepEqual(lgetxattr(`${target}/suid`, 'security.capability'), CAPABILITY);
});

test('directory times are set after their contents, to the nanosecond', async (t) => {
  const target = scratchDir(t);
  await applyLayer(target, layerTar(dirEntry('d'), dirEntry('d/e'), fileEntry('d/e/f', 'x'), fileEntry('d/g', 'y')));
  for (const name of ['d', 'd/e', 'd/e/f', 'd/g']) t.is(fs.lstatSync(`${target}/${name}`, { bigint: true }).mtimeNs, FIXED_MTIME_NS, name);
});

test("a './' entry gives the target itself its metadata", async (t) => {
  const target = `${scratchDir(t)}/root`;
  fs.mkdirSync(target, { mode: 0o700 });
  await applyLayer(target, layerTar(dirEntry('.', { mode: 0o755, uid: 5 }), fileEntry('f')));
  const stat = fs.lstatSync(target, { bigint: true });
  t.is(Number(stat.mode & 0o7777n), 0o755);
  t.is(stat.uid, 5n);
  t.is(stat.mtimeNs, FIXED_MTIME_NS);
});

test('parents a tar does not carry are made 0755 root-owned, whatever the umask', async (t) => {
  const target = scratchDir(t);
  await applyLayer(target, layerTar(fileEntry('x/y/z', 'deep')));
  for (const name of ['x', 'x/y']) t.is(fs.statSync(`${target}/${name}`).mode & 0o7777, 0o755, name);
});

test('the size is the bytes of file content written', async (t) => {
  const target = scratchDir(t);
  const { size } = await applyLayer(target, layerTar(fileEntry('a', '12345'), fileEntry('b', 'xyz'), hardlinkEntry('c', 'a'), dirEntry('d'), whiteoutEntry('e')));
  t.is(size, 8);
});

test('a whiteout converter puts whiteouts on disk in its own form (here: aufs, the .wh. files kept)', async (t) => {
  const target = scratchDir(t);
  const aufsLike: WhiteoutConverter = {
    pack: ociWhiteouts.pack,
    unpack(whiteout, context) {
      const dir = context.makeDir();
      const name = whiteout.kind === 'opaque' ? OPAQUE_MARKER : `${WHITEOUT_PREFIX}${whiteout.name}`;
      fs.writeFileSync(`${dir}/${name}`, '');
    },
  };
  await applyLayer(target, layerTar(whiteoutEntry('d/gone'), opaqueEntry('o')), { whiteouts: aufsLike });
  t.deepEqual(contents(target), { d: 'dir', 'd/.wh.gone': '', o: 'dir', [`o/${OPAQUE_MARKER}`]: '' });
});

test('xattrs already on a kept directory stay (an overlay opaque flag set before its entry came)', async (t) => {
  const target = scratchDir(t);
  fs.mkdirSync(`${target}/d`);
  lsetxattr(`${target}/d`, 'trusted.overlay.opaque', Buffer.from('y'));
  await applyLayer(target, layerTar(dirEntry('d', { xattrs: new Map([['user.x', Buffer.from('1')]]) })));
  t.deepEqual(lgetxattr(`${target}/d`, 'trusted.overlay.opaque'), Buffer.from('y'));
  t.deepEqual(lgetxattr(`${target}/d`, 'user.x'), Buffer.from('1'));
});

test('applying the same tree twice onto itself leaves it as it was', async (t) => {
  const target = scratchDir(t);
  const layer = (): ReturnType<typeof layerTar> => layerTar(dirEntry('d'), fileEntry('d/f', 'x'), symlinkEntry('l', 'd/f'));
  await applyLayer(target, layer());
  const once = treeFacts(target);
  await applyLayer(target, layer());
  t.deepEqual(treeFacts(target), once);
});

// applyLayer skips the lstat, chown and chmod of entries inside directories this layer made
// (nothing can be there yet); these two cases guard where that shortcut would be wrong.
test('entries inside a setgid directory this layer made get the owner and mode the tar gives, not the inherited ones', async (t) => {
  const target = scratchDir(t);
  await applyLayer(
    target,
    layerTar(dirEntry('sg', { mode: 0o2775, gid: 1234 }), fileEntry('sg/f', 'x', { mode: 0o644 }), dirEntry('sg/sub', { mode: 0o755 })),
  );
  const file = fs.lstatSync(`${target}/sg/f`);
  const sub = fs.lstatSync(`${target}/sg/sub`);
  t.deepEqual([file.uid, file.gid, file.mode & 0o7777], [0, 0, 0o644]);
  t.deepEqual([sub.uid, sub.gid, sub.mode & 0o7777], [0, 0, 0o755], 'a subdirectory does not keep the inherited setgid bit or group');
  t.is(fs.lstatSync(`${target}/sg`).gid, 1234);
});

test('a whiteout a converter writes inside a directory this layer made is replaced by a later entry of that name', async (t) => {
  const target = scratchDir(t);
  const onDiskForm: WhiteoutConverter = {
    pack: ociWhiteouts.pack,
    unpack(whiteout, context) {
      if (whiteout.kind === 'whiteout') fs.writeFileSync(`${context.makeDir()}/${whiteout.name}`, 'whiteout marker');
    },
  };
  await applyLayer(target, layerTar(dirEntry('d'), whiteoutEntry('d/x'), fileEntry('d/x', 'real content')), { whiteouts: onDiskForm });
  t.is(fs.readFileSync(`${target}/d/x`, 'utf8'), 'real content');
});

test('file times are exact whether whole seconds (0, past 2038, near the largest a double holds) or with nanoseconds, before 1970 too', async (t) => {
  const target = scratchDir(t);
  const times: Record<string, bigint> = {
    epoch: 0n,
    whole: 1_700_000_000n * 1_000_000_000n,
    'past-2038': (2n ** 33n + 7n) * 1_000_000_000n,
    'largest-whole': BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n,
    nanoseconds: 1_700_000_000_123_456_789n,
    'before-1970': -1_000_000_000n,
    'before-1970-ns': -1_500_000_001n,
  };
  await applyLayer(target, layerTar(...Object.entries(times).map(([name, mtimeNs]) => fileEntry(name, name, { mtimeNs }))));
  for (const [name, mtimeNs] of Object.entries(times)) {
    const stat = fs.lstatSync(`${target}/${name}`, { bigint: true });
    t.is(stat.mtimeNs, mtimeNs, name);
    t.is(stat.atimeNs, mtimeNs, name);
  }
});
