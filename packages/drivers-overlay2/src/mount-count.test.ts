import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { mountPoints } from '@layerctl/sys/testing';
import { createChain, scratchDriver } from './scratch-driver.ts';

/** Runs `mount` or `unmount` of a layer `times` times in a separate node process, as another layerctl command would. */
async function inOtherProcess(root: string, op: 'mount' | 'unmount', id: string, times = 1): Promise<void> {
  const script = `
    import { Overlay2Driver } from ${JSON.stringify(new URL('./driver.ts', import.meta.url).href)};
    const [root, op, id, times] = process.argv.slice(1);
    const driver = new Overlay2Driver({ root, tmpDir: root + '/tmp' });
    await driver.init();
    for (let i = 0; i < Number(times); i++) await driver[op](id);`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, root, op, id, String(times)]);
}

function mountedTimes(target: string): number {
  return mountPoints().filter((m) => m === target).length;
}

test('a mount made by another process is counted with this one\'s, and outlives that process', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await createChain(driver, 'base', 'child');
  await inOtherProcess(root, 'mount', 'child');
  const merged = await driver.mount('child');
  t.is(mountedTimes(merged), 1);

  await driver.unmount('child');
  t.is(mountedTimes(merged), 1, 'the other process\'s count still holds it');
  await inOtherProcess(root, 'unmount', 'child');
  t.is(mountedTimes(merged), 0);
});

test('mounts and unmounts from concurrent processes keep an exact count under the lock', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await createChain(driver, 'base', 'child');
  await Promise.all([1, 2, 3].map(() => inOtherProcess(root, 'mount', 'child', 10)));
  const merged = path.join(root, 'overlay2', 'child', 'merged');
  t.is(fs.readFileSync(path.join(root, 'overlay2', 'child', 'mount-count'), 'utf8'), '30');
  t.is(mountedTimes(merged), 1);

  await Promise.all([1, 2].map(() => inOtherProcess(root, 'unmount', 'child', 14)));
  t.is(mountedTimes(merged), 1, 'two counts left');
  await driver.unmount('child');
  t.is(mountedTimes(merged), 1, 'one count left');
  await driver.unmount('child');
  t.is(mountedTimes(merged), 0);
});

test('a lock left by a process that died is broken, not waited on', async (t) => {
  const { driver, root } = await scratchDriver(t);
  await createChain(driver, 'base', 'child');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  t.true(typeof dead === 'number');
  fs.writeFileSync(path.join(root, 'overlay2', 'child', 'mount-lock'), String(dead));
  const merged = await driver.mount('child');
  t.is(mountedTimes(merged), 1);
  t.false(fs.existsSync(path.join(root, 'overlay2', 'child', 'mount-lock')));
  await driver.unmount('child');
});
