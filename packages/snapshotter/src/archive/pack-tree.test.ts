import { createHash } from 'node:crypto';
import fs from 'node:fs';
import test from 'ava';
import { mknod, S_IFCHR, lgetxattr, lsetxattr } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { applyLayer } from './apply-layer.ts';
import { packTree } from './pack-tree.ts';
import { compareEntryPaths } from './safe-path.ts';
import { tarHeader } from './tar/tar-header.ts';
import { diffTrees } from './testdata/compare-trees.ts';
import { makeEdgeTree, UNPACKABLE } from './testdata/edge-tree.ts';
import { tarHeaders } from './testdata/layer-entries.ts';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, ociWhiteouts, type WhiteoutConverter } from './whiteout.ts';

// Modes must come out exactly as the tar says, not narrowed by whatever umask the runner has.
process.umask(0);

async function sha256(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

test('a packed tree applies to the same tree: types, modes, owners, devices, xattrs, contents, links, hardlinks, mtimes', async (t) => {
  const scratch = scratchDir(t);
  fs.mkdirSync(`${scratch}/src`);
  fs.mkdirSync(`${scratch}/dst`);
  makeEdgeTree(`${scratch}/src`);
  const { size } = await applyLayer(`${scratch}/dst`, packTree(`${scratch}/src`));
  t.deepEqual(diffTrees(`${scratch}/src`, `${scratch}/dst`, { exclude: UNPACKABLE }), []);
  t.deepEqual(lgetxattr(`${scratch}/dst/bin/ping`, 'security.capability'), lgetxattr(`${scratch}/src/bin/ping`, 'security.capability'));
  const contentBytes = (await tarHeaders(packTree(`${scratch}/src`))).reduce((sum, h) => sum + h.size, 0);
  t.is(size, contentBytes);
});

test('sockets are left out: a tar cannot hold them', async (t) => {
  const scratch = scratchDir(t);
  makeEdgeTree(scratch);
  const names = (await tarHeaders(packTree(scratch))).map((h) => h.name);
  for (const name of UNPACKABLE) t.false(names.includes(name), name);
  t.true(names.includes('dev/fifo'));
});

test('entries come in canonical order: sorted bytewise per directory, each directory right before its contents', async (t) => {
  const scratch = scratchDir(t);
  for (const name of ['b', 'a', 'a/z', 'a/y', 'a-c', 'B', 'ä']) fs.mkdirSync(`${scratch}/${name}`);
  fs.writeFileSync(`${scratch}/a/y/file`, '');
  const names = (await tarHeaders(packTree(scratch))).map((h) => h.name);
  t.deepEqual(names, ['B', 'a', 'a/y', 'a/y/file', 'a/z', 'a-c', 'b', 'ä']);
  t.deepEqual([...names].sort(compareEntryPaths), names);
});

test('the same tree always packs to the same bytes', async (t) => {
  const scratch = scratchDir(t);
  makeEdgeTree(scratch);
  t.is(await sha256(packTree(scratch)), await sha256(packTree(scratch)));
});

test('sourceDateEpoch clamps every later mtime to it and keeps the earlier ones', async (t) => {
  const scratch = scratchDir(t);
  makeEdgeTree(scratch);
  const epoch = 1_500_000_000n;
  const original = new Map((await tarHeaders(packTree(scratch))).map((h) => [h.name, h.mtimeNs]));
  const clamped = await tarHeaders(packTree(scratch, { sourceDateEpoch: epoch }));
  t.true(clamped.length > 0);
  for (const h of clamped) {
    const before = original.get(h.name) ?? 0n;
    t.is(h.mtimeNs, before > epoch * 1_000_000_000n ? epoch * 1_000_000_000n : before, h.name);
  }
  t.true(clamped.some((h) => h.mtimeNs === epoch * 1_000_000_000n));
  t.true(clamped.some((h) => h.mtimeNs < 0n));
});

test('the second and later names of an inode become hardlinks to the first name packed', async (t) => {
  const scratch = scratchDir(t);
  makeEdgeTree(scratch);
  const byName = new Map((await tarHeaders(packTree(scratch))).map((h) => [h.name, h]));
  // bin/ comes before etc/ in canonical order, so bin/hl-b is the first name and carries the content.
  t.like(byName.get('bin/hl-b'), { type: 'file', size: 'three names, one inode\n'.length });
  t.like(byName.get('etc/hl-a'), { type: 'hardlink', linkname: 'bin/hl-b', size: 0 });
  t.like(byName.get('links/hl-c'), { type: 'hardlink', linkname: 'bin/hl-b', size: 0 });
});

/** An overlay-like converter: char 0/0 devices are whiteouts, trusted.overlay.opaque=y dirs are opaque, 'work' is private. */
const overlayLike: WhiteoutConverter = {
  pack({ header, stat }) {
    if (header.name === 'work') return [];
    if (header.type === 'char' && header.devmajor === 0 && header.devminor === 0) {
      const slash = header.name.lastIndexOf('/');
      const name = `${header.name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${header.name.slice(slash + 1)}`;
      return [tarHeader({ name, type: 'file', mtimeNs: header.mtimeNs })];
    }
    if (stat.isDirectory() && header.xattrs.get('trusted.overlay.opaque')?.toString() === 'y') {
      const xattrs = new Map(header.xattrs);
      xattrs.delete('trusted.overlay.opaque');
      return [{ ...header, xattrs }, tarHeader({ name: `${header.name}/${OPAQUE_MARKER}`, type: 'file', mtimeNs: header.mtimeNs })];
    }
    return [header];
  },
  unpack: ociWhiteouts.unpack,
};

test('a whiteout converter turns a driver\'s on-disk whiteouts into OCI ones and can leave its own files out', async (t) => {
  const scratch = scratchDir(t);
  fs.mkdirSync(`${scratch}/work/inner`, { recursive: true });
  fs.mkdirSync(`${scratch}/opaque`);
  fs.writeFileSync(`${scratch}/opaque/kept`, 'x');
  lsetxattr(`${scratch}/opaque`, 'trusted.overlay.opaque', Buffer.from('y'));
  mknod(`${scratch}/gone`, S_IFCHR, 0, 0);
  const entries = await tarHeaders(packTree(scratch, { whiteouts: overlayLike }));
  t.deepEqual(
    entries.map((h) => [h.name, h.type]),
    [
      ['.wh.gone', 'file'],
      ['opaque', 'directory'],
      [`opaque/${OPAQUE_MARKER}`, 'file'],
      ['opaque/kept', 'file'],
    ],
  );
  t.false(entries[1]?.xattrs.has('trusted.overlay.opaque'));
});
