import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { unmountAll } from '@layerctl/snapshotter';
import { lgetxattr, llistxattr } from '@layerctl/sys';
import { scratchDir, unmountInTeardown } from '@layerctl/sys/testing';
import { FUSE_OVERLAYFS } from './fuse-mounts.ts';
import { isWhiteoutDevice } from './whiteout-device.ts';

/**
 * What fuse-overlayfs 1.10 itself writes into its upper dir when a lower file is deleted and a
 * lower directory replaced, with and without FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT=1. The driver
 * does not depend on the answer (the snapshotter's mount helper runs fuse-overlayfs without it,
 * and seal.ts converts whatever it finds), but these tests pin down what seal.ts must handle.
 */

const DISABLE_OVL_WHITEOUT = 'FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT';

interface Upper {
  upper: string;
  names: string[];
}

/** Mounts one lower and an upper with fuse-overlayfs started by hand in `env`, deletes and replaces, unmounts. */
function writeThrough(t: ExecutionContext, env: Record<string, string>): Upper {
  const dir = scratchDir(t);
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((name) => {
    fs.mkdirSync(path.join(dir, name));
    return path.join(dir, name);
  }) as [string, string, string, string];
  fs.writeFileSync(path.join(lower, 'deleted'), 'x');
  fs.mkdirSync(path.join(lower, 'replaced'));
  fs.writeFileSync(path.join(lower, 'replaced', 'old'), 'x');
  unmountInTeardown(t, merged);
  const run = spawnSync(FUSE_OVERLAYFS, ['-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { env: { ...process.env, ...env }, encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  fs.rmSync(path.join(merged, 'deleted'));
  fs.rmSync(path.join(merged, 'replaced'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'replaced'));
  unmountAll(merged);
  return { upper, names: fs.readdirSync(upper).sort() };
}

test(`with ${DISABLE_OVL_WHITEOUT}=1 a deleted lower file becomes a .wh. file in the upper dir`, (t) => {
  const { upper, names } = writeThrough(t, { [DISABLE_OVL_WHITEOUT]: '1' });
  t.deepEqual(names, ['.wh.deleted', 'replaced']);
  t.true(fs.lstatSync(path.join(upper, '.wh.deleted')).isFile());
  t.is(fs.lstatSync(path.join(upper, '.wh.deleted')).size, 0);
});

test('without it, a deleted lower file becomes a char 0/0 whiteout (as root), which seal.ts must convert', (t) => {
  const { upper, names } = writeThrough(t, {});
  t.deepEqual(names, ['deleted', 'replaced']);
  t.true(isWhiteoutDevice(fs.lstatSync(path.join(upper, 'deleted'))));
});

test(`with ${DISABLE_OVL_WHITEOUT}=1 a replaced lower directory holds .wh..wh..opq and carries trusted.overlay.opaque=y, which seal.ts strips`, (t) => {
  const { upper } = writeThrough(t, { [DISABLE_OVL_WHITEOUT]: '1' });
  t.deepEqual(fs.readdirSync(path.join(upper, 'replaced')), ['.wh..wh..opq']);
  t.deepEqual(llistxattr(path.join(upper, 'replaced')), ['trusted.overlay.opaque']);
  t.is(lgetxattr(path.join(upper, 'replaced'), 'trusted.overlay.opaque')?.toString(), 'y');
});

test('without it, a replaced lower directory also holds a char 0/0 named .wh..opq (the overlay form of .wh..wh..opq)', (t) => {
  const { upper } = writeThrough(t, {});
  t.deepEqual(fs.readdirSync(path.join(upper, 'replaced')).sort(), ['.wh..opq', '.wh..wh..opq']);
  t.true(isWhiteoutDevice(fs.lstatSync(path.join(upper, 'replaced', '.wh..opq'))));
  t.true(fs.lstatSync(path.join(upper, 'replaced', '.wh..wh..opq')).isFile());
  t.is(lgetxattr(path.join(upper, 'replaced'), 'trusted.overlay.opaque')?.toString(), 'y');
});
