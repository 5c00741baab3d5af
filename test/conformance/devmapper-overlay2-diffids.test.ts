import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { readTar, TMP_DIR, type Driver } from '@layerctl/snapshotter';
import { Overlay2Driver } from '@layerctl/drivers-overlay2';
import { lsetxattr, lutimesNs } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { devmapperOnPool, sharedPool } from './devmapper-pool.ts';

/**
 * The same changes committed on devmapper (whole filesystems, a diff that compares trees) and
 * on overlay2 (a diff of the upper dir) give byte-identical layer tars, so identical DiffIDs.
 * Timestamps are fixed: every entry a layer adds or changes, and every directory above one,
 * gets the same mtime on both drivers after the layer's operations.
 */

const nextPoolDir = sharedPool('xfs', 16 * 1024 ** 3);
const FIXED_NS = 1_700_000_000_123_456_789n;

/** The base layer: every kind of entry a layer tar carries, hardlinks included. */
function baseOps(dir: string): string[] {
  fs.mkdirSync(`${dir}/etc`, { mode: 0o755 });
  fs.writeFileSync(`${dir}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\n', { mode: 0o644 });
  fs.writeFileSync(`${dir}/etc/shadow`, 'root:*:1::::::\n', { mode: 0o640 });
  fs.lchownSync(`${dir}/etc/shadow`, 0, 42);
  fs.linkSync(`${dir}/etc/shadow`, `${dir}/etc/shadow-`);
  fs.mkdirSync(`${dir}/bin`, { mode: 0o755 });
  fs.writeFileSync(`${dir}/bin/tool`, Buffer.alloc(300_000, 7), { mode: 0o4755 });
  fs.symlinkSync('tool', `${dir}/bin/alias`);
  fs.mkdirSync(`${dir}/var/lib/gone`, { recursive: true, mode: 0o750 });
  fs.writeFileSync(`${dir}/var/lib/gone/a`, 'a');
  fs.writeFileSync(`${dir}/var/lib/keep`, 'keep');
  fs.mkdirSync(`${dir}/tmp`, { mode: 0o1777 });
  lsetxattr(`${dir}/etc/passwd`, 'user.origin', Buffer.from('base'));
  return ['etc', 'etc/passwd', 'etc/shadow', 'etc/shadow-', 'bin', 'bin/tool', 'bin/alias', 'var', 'var/lib', 'var/lib/gone', 'var/lib/gone/a', 'var/lib/keep', 'tmp'];
}

/** The child layer: modify, add, delete a file and a directory, chmod, chown, an xattr changed. */
function childOps(dir: string): string[] {
  fs.appendFileSync(`${dir}/etc/passwd`, 'app:x:1000:1000::/home/app:/bin/sh\n');
  lsetxattr(`${dir}/etc/passwd`, 'user.origin', Buffer.from('child'));
  fs.mkdirSync(`${dir}/home/app`, { recursive: true, mode: 0o700 });
  fs.lchownSync(`${dir}/home/app`, 1000, 1000);
  fs.writeFileSync(`${dir}/home/app/.profile`, 'export PATH=/bin\n', { mode: 0o644 });
  fs.rmSync(`${dir}/var/lib/gone`, { recursive: true });
  fs.rmSync(`${dir}/bin/alias`);
  fs.chmodSync(`${dir}/bin/tool`, 0o755);
  return ['etc', 'etc/passwd', 'home', 'home/app', 'home/app/.profile', 'var', 'var/lib', 'bin', 'bin/tool'];
}

function fixTimes(dir: string, paths: string[]): void {
  // Deepest first, so a directory's time is set after everything inside it changed.
  for (const rel of [...paths].sort((a, b) => b.split('/').length - a.split('/').length)) lutimesNs(path.join(dir, rel), FIXED_NS, FIXED_NS);
}

async function layerTars(driver: Driver): Promise<{ base: Buffer; child: Buffer }> {
  await driver.init();
  try {
    await driver.create('base', undefined, { readonly: false });
    const baseDir = await driver.mount('base');
    fixTimes(baseDir, baseOps(baseDir));
    await driver.unmount('base');
    await driver.create('child', 'base', { readonly: false });
    const childDir = await driver.mount('child');
    fixTimes(childDir, childOps(childDir));
    await driver.unmount('child');
    const base = await collectTar(driver.diff('base', undefined));
    const child = await collectTar(driver.diff('child', 'base'));
    await driver.remove('child');
    await driver.remove('base');
    return { base, child };
  } finally {
    await driver.close();
  }
}

async function collectTar(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  // Two small layers: held whole only to compare them byte for byte.
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function listing(tar: Buffer): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of readTar(Readable.from([tar]))) {
    for await (const chunk of entry.body) void chunk;
    const h = entry.header;
    lines.push(`${h.name} ${h.type} ${h.mode.toString(8)} ${h.uid}:${h.gid} ${h.size} ${h.mtimeNs} ${h.linkname ?? ''} ${[...h.xattrs.keys()].join(',')}`);
  }
  return lines;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function sameTar(t: ExecutionContext, what: string, devmapper: Buffer, overlay2: Buffer): Promise<void> {
  t.deepEqual(await listing(devmapper), await listing(overlay2), `${what}: the same entries`);
  t.is(sha256(devmapper), sha256(overlay2), `${what}: the same DiffID`);
}

test('the same changes on devmapper and overlay2 give byte-identical layer tars and DiffIDs', async (t) => {
  const overlayRoot = scratchDir(t);
  const devmapperRoot = scratchDir(t);
  const overlay2 = await layerTars(new Overlay2Driver({ root: overlayRoot, tmpDir: path.join(overlayRoot, TMP_DIR) }));
  const devmapper = await layerTars(devmapperOnPool(devmapperRoot, nextPoolDir()));
  await sameTar(t, 'base layer', devmapper.base, overlay2.base);
  await sameTar(t, 'child layer', devmapper.child, overlay2.child);
  t.true((await listing(devmapper.child)).some((line) => line.startsWith('var/lib/.wh.gone ')), 'the deleted directory is a whiteout in both');
});
