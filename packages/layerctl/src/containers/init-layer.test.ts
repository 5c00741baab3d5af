import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import * as api from '@layerctl/snapshotter';
import { initLayerTar, upperDirectory, writeInitLayer } from './init-layer.ts';

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every entry below `dir`: its kind, permission bits, owner, size, mtime and link target. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(dir, name);
    const st = fs.lstatSync(full);
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `link->${fs.readlinkSync(full)}` : 'file';
    out[name] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`;
  }
  return out;
}

test('the init layer made in place is the tree its tar applies to', async (t) => {
  const dir = scratch(t);
  fs.mkdirSync(path.join(dir, 'applied'));
  fs.mkdirSync(path.join(dir, 'written'));
  await api.applyLayer(path.join(dir, 'applied'), initLayerTar(api));
  writeInitLayer(path.join(dir, 'written'));
  const written = tree(path.join(dir, 'written'));
  t.deepEqual(written, tree(path.join(dir, 'applied')));
  t.regex(written['dev/shm'] ?? '', /^dir 1777 0:0 \d+ 0$/);
  t.regex(written['etc/mtab'] ?? '', /^link->\/proc\/mounts /);
});

test('making the init layer in place never writes through a path that is already there', (t) => {
  const dir = scratch(t);
  const upper = path.join(dir, 'upper');
  const sentinel = path.join(dir, 'sentinel');
  fs.writeFileSync(sentinel, 'untouched');
  fs.mkdirSync(path.join(upper, 'etc'), { recursive: true });
  fs.symlinkSync(sentinel, path.join(upper, 'dev'));
  t.throws(() => writeInitLayer(upper), { code: 'EEXIST' });
  t.is(fs.readFileSync(sentinel, 'utf8'), 'untouched');
});

test('the upper directory is read from a single overlay mount only', (t) => {
  const overlay = { type: 'overlay', source: 'overlay', options: ['lowerdir=/l/a:/l/b', 'upperdir=/r/overlay2/x/diff', 'workdir=/r/overlay2/x/work'] };
  t.is(upperDirectory([overlay]), '/r/overlay2/x/diff');
  t.is(upperDirectory([{ ...overlay, type: 'fuse.fuse-overlayfs' }]), '/r/overlay2/x/diff');
  t.is(upperDirectory([{ type: 'bind', source: '/r/overlay2/x/diff', options: ['rbind', 'rw'] }]), undefined);
  t.is(upperDirectory([{ type: 'ext4', source: '/dev/mapper/thin-1', options: [] }]), undefined);
  t.is(upperDirectory([overlay, overlay]), undefined);
  t.is(upperDirectory([]), undefined);
});
