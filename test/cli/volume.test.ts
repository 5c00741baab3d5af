import fs from 'node:fs';
import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch } from './containers-scratch.ts';
import { records, parseJson } from './json-output.ts';
import { must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

test('volume create, ls and inspect show a volume; a container writes into it and rm keeps it', async (t) => {
  const { layerctl, run } = await containersScratch(t, busyboxTar());
  t.is(await must(t, layerctl, ['volume', 'create', 'cache']), 'cache\n');
  t.is(await must(t, layerctl, ['volume', 'create', 'cache']), 'cache\n', 'creating one that exists is no error');
  const written = await run(['--name', 'writer', '-v', 'cache:/data', 'busybox', 'sh', '-c', 'echo kept > /data/file']);
  t.is(written.code, 0, written.stderr);
  await run(['--rm', '-v', 'other:/x', 'busybox', 'true']);
  t.is(await must(t, layerctl, ['volume', 'ls']), 'DRIVER   VOLUME NAME\nlocal    cache\nlocal    other\n');
  const [cache] = records(parseJson(await must(t, layerctl, ['volume', 'inspect', 'cache'])));
  t.is(cache?.['Name'], 'cache');
  t.is(cache?.['Driver'], 'local');
  t.deepEqual(cache?.['UsedBy'], ['writer']);
  t.is(fs.readFileSync(`${String(cache?.['Mountpoint'])}/file`, 'utf8'), 'kept\n');
  await must(t, layerctl, ['rm', 'writer']);
  const read = await run(['--rm', '-v', 'cache:/data', 'busybox', 'cat', '/data/file']);
  t.is(read.stdout, 'kept\n', 'the data outlives the container that wrote it');
});

test('a volume a container uses is not removed; once the container is gone, rm removes it and its data', async (t) => {
  const { layerctl, run } = await containersScratch(t, busyboxTar());
  t.is((await run(['--name', 'user', '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo x > /data/f'])).code, 0);
  const [data] = records(parseJson(await must(t, layerctl, ['volume', 'inspect', 'data'])));
  const refused = await layerctl(['volume', 'rm', 'data']);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'layerctl: volume data is in use by user; remove those containers first\n');
  t.true(fs.existsSync(`${String(data?.['Mountpoint'])}/f`), 'the data is untouched');
  await must(t, layerctl, ['rm', 'user']);
  t.is(await must(t, layerctl, ['volume', 'rm', 'data']), 'data\n');
  t.false(fs.existsSync(String(data?.['Mountpoint'])));
  t.is(await must(t, layerctl, ['volume', 'ls', '--json']), '[]\n');
});

test('bad volume names and missing volumes are refused in one line naming them', async (t) => {
  const { layerctl } = await containersScratch(t, busyboxTar());
  for (const name of ['../escape', 'a', '.hidden', 'with/slash']) {
    const result = await layerctl(['volume', 'create', name]);
    t.is(result.code, 1, name);
    t.is(result.stderr, `layerctl: volume name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-]+\n`);
  }
  const missing = await layerctl(['volume', 'rm', 'nothing-here']);
  t.is(missing.code, 1);
  t.is(missing.stderr, 'layerctl: volume nothing-here: no such volume\n');
  t.is((await layerctl(['volume', 'inspect', 'nothing-here'])).stderr, 'layerctl: volume nothing-here: no such volume\n');
});
