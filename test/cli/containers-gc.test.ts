import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch, eventually } from './containers-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { LAYERCTL_BIN } from './run-layerctl.ts';
import { mountsUnder, must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

test('gc removes a --rm container whose run was killed with it, and its layers and mount', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const imageOnly = await must(t, scratch.layerctl, ['snapshot', 'ls']);
  const runner = spawn(process.execPath, [LAYERCTL_BIN, '--root', scratch.root, 'run', '--rm', '--cgroup-parent', scratch.cgroupParent, 'busybox', 'sleep', '60'], { stdio: 'ignore' });
  const runnerExited = once(runner, 'exit');
  t.teardown(() => {
    runner.kill('SIGKILL');
  });
  let pid = NaN;
  let id = '';
  t.true(
    await eventually(async () => {
      const [container] = records(parseJson(await must(t, scratch.layerctl, ['ps', '--json'])));
      pid = Number(container?.['pid']);
      id = String(container?.['id']);
      return container?.['state'] === 'running';
    }),
  );
  runner.kill('SIGKILL');
  await runnerExited;
  process.kill(pid, 'SIGKILL');
  t.true(await eventually(async () => records(parseJson(await must(t, scratch.layerctl, ['ps', '-a', '--json'])))[0]?.['state'] === 'exited'));
  t.not(mountsUnder(scratch.dir), [], 'the killed run left its rootfs mounted');
  const [report] = records([parseJson(await must(t, scratch.layerctl, ['gc', '--json']))]);
  t.like(report, { containers: { removedContainers: [id] } });
  t.deepEqual(records(parseJson(await must(t, scratch.layerctl, ['ps', '-a', '--json']))), []);
  t.is(await must(t, scratch.layerctl, ['snapshot', 'ls']), imageOnly);
  t.deepEqual(mountsUnder(scratch.dir), []);
});

test('gc removes the layers and directory of a container whose record is gone', async (t) => {
  const scratch = await containersScratch(t, busyboxTar());
  const imageOnly = await must(t, scratch.layerctl, ['snapshot', 'ls']);
  t.is((await scratch.run(['--name', 'lost', 'busybox', 'sh', '-c', 'echo data > /file'])).code, 0);
  t.not(await must(t, scratch.layerctl, ['snapshot', 'ls']), imageOnly);
  // What a crash between removing a container's record and its layers leaves.
  const db = new DatabaseSync(path.join(scratch.root, 'metadata.db'));
  db.exec('DELETE FROM containers');
  db.close();
  const text = await must(t, scratch.layerctl, ['gc']);
  t.regex(text, /2 layers, 1 directories/);
  t.is(await must(t, scratch.layerctl, ['snapshot', 'ls']), imageOnly);
  t.deepEqual(fs.readdirSync(path.join(scratch.root, 'containers')), []);
});
