import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { readTar, TMP_DIR, unmountAll, type Driver } from '@layerctl/snapshotter';
import { lsetxattr, lutimesNs } from '@layerctl/sys';
import { mountPoints, scratchDir } from '@layerctl/sys/testing';
import { AufsDriver } from '@layerctl/drivers-aufs';
import { Overlay2Driver } from '@layerctl/drivers-overlay2';

/**
 * The same changes committed on overlay2 and on aufs give byte-identical layer tars, so the same
 * DiffIDs: entry order, headers and whiteout form are canonical, not the driver's. Timestamps are
 * whatever the files carry, so every path a layer touches (and each directory above it) is given
 * one fixed time before the diff is taken.
 */

const FIXED_NS = 1_700_000_000_123_456_789n;
const RW = { readonly: false };

type Ops = (dir: string) => string[];

/** The base layer: a bit of every kind of entry. Returns the paths it made. */
const baseOps: Ops = (dir) => {
  fs.mkdirSync(`${dir}/etc`, { mode: 0o755 });
  fs.writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0::/root:/bin/sh\n', { mode: 0o644 });
  fs.writeFileSync(`${dir}/etc/shadow`, 'root:*:1::::::\n', { mode: 0o640 });
  fs.lchownSync(`${dir}/etc/shadow`, 0, 42);
  fs.linkSync(`${dir}/etc/shadow`, `${dir}/etc/shadow-`);
  fs.mkdirSync(`${dir}/usr/bin`, { recursive: true, mode: 0o755 });
  fs.writeFileSync(`${dir}/usr/bin/tool`, 'tool', { mode: 0o4755 });
  fs.symlinkSync('tool', `${dir}/usr/bin/alias`);
  fs.mkdirSync(`${dir}/var/cache/app`, { recursive: true, mode: 0o755 });
  for (const name of ['a', 'b', 'c']) fs.writeFileSync(`${dir}/var/cache/app/${name}`, name);
  fs.mkdirSync(`${dir}/tmp`, { mode: 0o1777 });
  fs.chmodSync(`${dir}/tmp`, 0o1777);
  fs.writeFileSync(`${dir}/gone`, 'gone');
  lsetxattr(`${dir}/etc/passwd`, 'user.origin', Buffer.from('base'));
  return ['etc', 'etc/passwd', 'etc/shadow', 'etc/shadow-', 'usr', 'usr/bin', 'usr/bin/tool', 'usr/bin/alias', 'var', 'var/cache', 'var/cache/app', 'var/cache/app/a', 'var/cache/app/b', 'var/cache/app/c', 'tmp', 'gone'];
};

/** The child layer: deletions, an opaque directory, edits, metadata changes and additions. */
const childOps: Ops = (dir) => {
  fs.rmSync(`${dir}/gone`);
  fs.rmSync(`${dir}/var/cache/app`, { recursive: true });
  fs.mkdirSync(`${dir}/var/cache/app`, { mode: 0o700 });
  fs.writeFileSync(`${dir}/var/cache/app/fresh`, 'fresh');
  fs.appendFileSync(`${dir}/etc/passwd`, 'user:x:1000:1000::/home/user:/bin/sh\n');
  fs.chmodSync(`${dir}/usr/bin/tool`, 0o755);
  fs.lchownSync(`${dir}/tmp`, 5, 6);
  fs.rmSync(`${dir}/usr/bin/alias`);
  fs.mkdirSync(`${dir}/home/user`, { recursive: true, mode: 0o750 });
  fs.writeFileSync(`${dir}/home/user/.profile`, 'export A=1\n', { mode: 0o600 });
  lsetxattr(`${dir}/home/user/.profile`, 'user.note', Buffer.from([0, 1, 2, 255]));
  return ['gone', 'var/cache/app', 'var/cache/app/fresh', 'etc/passwd', 'usr/bin/tool', 'usr/bin/alias', 'tmp', 'home', 'home/user', 'home/user/.profile'];
};

/** Gives each touched path that still exists, and every directory above one, the fixed time; deepest first. */
function fixTimes(dir: string, touched: string[]): void {
  const paths = new Set<string>();
  for (const rel of touched) {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  const deepestFirst = [...paths].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const rel of deepestFirst) if (fs.lstatSync(path.join(dir, rel), { throwIfNoEntry: false }) !== undefined) lutimesNs(path.join(dir, rel), FIXED_NS, FIXED_NS);
}

async function bytesOf(stream: AsyncIterable<Buffer>, file: string): Promise<{ digest: string; names: string[] }> {
  const out = fs.createWriteStream(file);
  const hash = createHash('sha256');
  for await (const chunk of stream) {
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  const names: string[] = [];
  for await (const entry of readTar(fs.createReadStream(file))) {
    for await (const chunk of entry.body) void chunk;
    names.push(entry.header.name);
  }
  return { digest: `sha256:${hash.digest('hex')}`, names };
}

/** Builds base and child on `driver` through its mounts and returns both layers' tars. */
async function layerTars(driver: Driver, work: string): Promise<{ base: { digest: string; names: string[] }; child: { digest: string; names: string[] } }> {
  await driver.init();
  try {
    await driver.create('base', undefined, RW);
    const base = await driver.mount('base');
    fixTimes(base, baseOps(base));
    await driver.unmount('base');
    await driver.create('child', 'base', RW);
    const child = await driver.mount('child');
    fixTimes(child, childOps(child));
    await driver.unmount('child');
    return { base: await bytesOf(driver.diff('base', undefined), path.join(work, 'base.tar')), child: await bytesOf(driver.diff('child', 'base'), path.join(work, 'child.tar')) };
  } finally {
    await driver.close();
  }
}

test('the same changes on overlay2 and on aufs give byte-identical layer tars, so the same DiffIDs', async (t) => {
  const made: Record<string, { base: { digest: string; names: string[] }; child: { digest: string; names: string[] } }> = {};
  for (const [name, make] of [
    ['overlay2', (root: string) => new Overlay2Driver({ root, tmpDir: path.join(root, TMP_DIR) })],
    ['aufs', (root: string) => new AufsDriver({ root, tmpDir: path.join(root, TMP_DIR) })],
  ] as const) {
    const root = scratchDir(t);
    const work = scratchDir(t);
    t.teardown(() => {
      for (const point of mountPoints().filter((m) => m.startsWith(`${root}/`)).reverse()) unmountAll(point);
    });
    made[name] = await layerTars(make(root), work);
  }
  const { overlay2, aufs } = made;
  t.deepEqual(aufs?.base.names, overlay2?.base.names, 'the base layers hold the same entries in the same order');
  t.deepEqual(aufs?.child.names, overlay2?.child.names, 'the child layers hold the same entries in the same order');
  t.true(overlay2?.child.names.includes('.wh.gone') && overlay2.child.names.includes('var/cache/app/.wh..wh..opq'), 'the child has a whiteout and an opaque directory');
  t.is(aufs?.base.digest, overlay2?.base.digest, 'base DiffID');
  t.is(aufs?.child.digest, overlay2?.child.digest, 'child DiffID');
});
