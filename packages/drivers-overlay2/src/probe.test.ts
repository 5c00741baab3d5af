import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { mountAll } from '@layerctl/snapshotter';
import { NotSupportedError } from '@layerctl/sys';
import { mountPoints, scratchDir, unmountInTeardown } from '@layerctl/sys/testing';
import { inUserNamespace, probe } from './probe.ts';

test('on tmpfs here overlay mounts through the new API, hides whiteouts, and has redirect_dir and metacopy as the module says', (t) => {
  const dir = scratchDir(t);
  const result = probe(dir, dir);
  t.like(result, { backingFs: 'tmpfs', mountApi: 'new', dType: true });
  t.is(result.xattrPrefix, inUserNamespace() ? 'user.overlay.' : 'trusted.overlay.');
  const param = (name: string): boolean => fs.readFileSync(`/sys/module/overlay/parameters/${name}`, 'utf8').trim() === 'Y';
  t.is(result.redirectDir, param('redirect_dir'));
  t.is(result.metacopy, param('metacopy'));
});

test('the probe leaves nothing behind: no mount and no scratch dir', (t) => {
  const dir = scratchDir(t);
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  probe(dir, tmp);
  t.deepEqual(fs.readdirSync(tmp), []);
  t.false(mountPoints().some((m) => m.startsWith(dir)));
});

test('a root on overlayfs is refused: overlay cannot use it as an upper dir', (t) => {
  const dir = scratchDir(t);
  const [lower, merged] = [path.join(dir, 'lower'), path.join(dir, 'merged')];
  for (const d of [lower, path.join(dir, 'upper'), path.join(dir, 'work'), merged]) fs.mkdirSync(d);
  unmountInTeardown(t, merged);
  mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir+=${lower}`, `upperdir=${dir}/upper`, `workdir=${dir}/work`] }], merged);
  const err = t.throws(() => probe(merged, merged), { instanceOf: NotSupportedError });
  t.regex(err?.message ?? '', /is itself on overlayfs/);
});
