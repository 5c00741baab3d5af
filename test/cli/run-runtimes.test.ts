import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { containersScratch, eventually } from './containers-scratch.ts';
import { parseJson, records } from './json-output.ts';
import { must } from './snapshot-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

for (const runtime of ['runc', 'crun']) {
  test(`--runtime ${runtime} runs the same bundle: output, exit status, and --rm leaves nothing`, async (t) => {
    const { run, layerctl } = await containersScratch(t, busyboxTar());
    const before = await must(t, layerctl, ['snapshot', 'ls']);
    const result = await run(['--rm', '--runtime', runtime, '--hostname', 'rt', 'busybox', 'sh', '-c', 'hostname; echo $$; exit 4']);
    t.is(result.code, 4, result.stderr);
    t.is(result.stdout, 'rt\n1\n');
    t.is(await must(t, layerctl, ['snapshot', 'ls']), before);
    t.deepEqual(records(parseJson(await must(t, layerctl, ['ps', '-a', '--json']))), []);
  });

  test(`--runtime ${runtime}: a detached container is paused, resumed and stopped through the runtime`, async (t) => {
    const { run, layerctl } = await containersScratch(t, busyboxTar());
    t.is((await run(['-d', '--name', 'held', '--runtime', runtime, 'busybox', 'sleep', '60'])).code, 0);
    await must(t, layerctl, ['pause', 'held']);
    t.like(records(parseJson(await must(t, layerctl, ['ps', '--json'])))[0], { state: 'paused' });
    await must(t, layerctl, ['unpause', 'held']);
    await must(t, layerctl, ['stop', '-t', '1', 'held']);
    t.true(await eventually(async () => records(parseJson(await must(t, layerctl, ['ps', '-a', '--json'])))[0]?.['state'] === 'exited'));
    await must(t, layerctl, ['rm', 'held']);
  });
}
