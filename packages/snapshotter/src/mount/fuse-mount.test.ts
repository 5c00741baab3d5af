import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { NotSupportedError } from '@layerctl/sys';
import { fsTypeAt, scratchDir, unmountInTeardown } from '@layerctl/sys/testing';
import { fuseServerPid } from './fuse-mount.ts';
import { mountAll, unmountAll } from './perform-mount.ts';

function dirs(t: Parameters<typeof scratchDir>[0], ...names: string[]): string[] {
  const root = scratchDir(t);
  return names.map((name) => {
    fs.mkdirSync(path.join(root, name));
    return path.join(root, name);
  });
}

function exited(pid: number): boolean {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, { encoding: 'utf8', flag: 'r' });
  return /\) [ZX] /.test(stat);
}

test('a fuse.fuse-overlayfs mount runs its server, and unmountAll returns only once that server has exited', (t) => {
  const [lower = '', upper = '', work = '', target = ''] = dirs(t, 'lower', 'upper', 'work', 'merged');
  fs.writeFileSync(path.join(lower, 'below'), 'below');
  unmountInTeardown(t, target);
  mountAll([{ type: 'fuse.fuse-overlayfs', source: 'fuse-overlayfs', options: [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`] }], target);
  t.is(fsTypeAt(target), 'fuse.fuse-overlayfs');
  t.is(fs.readFileSync(path.join(target, 'below'), 'utf8'), 'below');
  fs.writeFileSync(path.join(target, 'written'), 'x');
  const pid = fuseServerPid(target);
  if (pid === undefined) return t.fail('no server found for the mount');
  unmountAll(target);
  t.is(fsTypeAt(target), undefined);
  t.true(!fs.existsSync(`/proc/${pid}`) || exited(pid), 'the server has exited');
  t.true(fs.existsSync(path.join(upper, 'written')), 'what was written is in the upper dir');
});

test('a FUSE mount naming a server layerctl does not know is refused before anything runs', (t) => {
  const [target = ''] = dirs(t, 'merged');
  t.throws(() => mountAll([{ type: 'fuse.sshfs', source: 'host:/', options: [] }], target), { instanceOf: NotSupportedError, message: /unknown FUSE server "sshfs"/ });
});

test('a remount in a list changes the mount below it and is not unmounted on its own', (t) => {
  const [target = ''] = dirs(t, 'merged');
  unmountInTeardown(t, target);
  mountAll(
    [
      { type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      { type: 'tmpfs', source: 'tmpfs', options: ['remount', 'ro'] },
    ],
    target,
  );
  t.throws(() => fs.writeFileSync(path.join(target, 'x'), 'x'), { code: 'EROFS' });
  unmountAll(target);
  t.is(fsTypeAt(target), undefined);
});
