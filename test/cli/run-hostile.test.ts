import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch } from './containers-scratch.ts';
import { must } from './snapshot-scratch.ts';
import { execFileSync } from 'node:child_process';

const busyboxTar = busyboxTarForFile(test);

/** A one-layer image tarball: busybox's tree with hostile entries planted, packed with GNU tar. */
function hostileImage(dir: string, plant: (stage: string) => void): string {
  const stage = path.join(dir, 'stage');
  fs.mkdirSync(stage);
  execFileSync('tar', ['-xf', busyboxTar(), '-C', stage]);
  plant(stage);
  const tar = path.join(dir, 'hostile.tar');
  execFileSync('tar', ['-cf', tar, '-C', stage, '.']);
  fs.rmSync(stage, { recursive: true });
  return tar;
}

test('an image whose /etc/hosts is a symlink to a host file gets its own hosts file, and the host file is untouched', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const sentinel = path.join(scratch.dir, 'sentinel-shadow');
  fs.writeFileSync(sentinel, 'secret\n');
  const tar = hostileImage(scratch.dir, (stage) => {
    fs.rmSync(path.join(stage, 'etc/hosts'), { force: true });
    fs.symlinkSync(sentinel, path.join(stage, 'etc/hosts'));
    fs.symlinkSync(sentinel, path.join(stage, 'etc/hostname'));
  });
  await must(t, scratch.layerctl, ['import', tar, 'hostile']);
  const result = await scratch.run(['--rm', '--hostname', 'inside', 'hostile', 'sh', '-c', 'cat /etc/hostname; grep -c localhost /etc/hosts; echo pwned > /etc/hosts']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'inside\n2\n');
  t.is(fs.readFileSync(sentinel, 'utf8'), 'secret\n');
});

test('an image whose /etc is a symlink to a host directory changes nothing there', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const hostDir = path.join(scratch.dir, 'host-etc');
  fs.mkdirSync(hostDir);
  const tar = hostileImage(scratch.dir, (stage) => {
    fs.rmSync(path.join(stage, 'etc'), { recursive: true });
    fs.symlinkSync(hostDir, path.join(stage, 'etc'));
  });
  await must(t, scratch.layerctl, ['import', tar, 'hostile-etc']);
  const result = await scratch.run(['--rm', '-w', '/etc/work', 'hostile-etc', 'sh', '-c', 'cat /etc/hostname > /dev/null && pwd']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '/etc/work\n');
  t.deepEqual(fs.readdirSync(hostDir), []);
});
