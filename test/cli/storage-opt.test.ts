import test from 'ava';
import { parseJson } from './json-output.ts';
import { must, snapshotScratch } from './snapshot-scratch.ts';

test('--storage-opt reaches the driver when a root is made, and the root keeps it for later commands', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['--storage-opt', 'overlay2.mount_api=legacy', 'snapshot', 'prepare', 'work']);
  // Without --storage-opt, the root's own options still hold.
  const info = parseJson(await must(t, layerctl, ['info', '--json']));
  t.like(info, { root, driver: { name: 'overlay2', status: { 'Mount API': 'legacy (mount(2), one option string)' } } });
  await must(t, layerctl, ['snapshot', 'rm', 'work']);
});

test('other options than the root was made with are refused in one line, and the root stays usable', async (t) => {
  const { root, layerctl } = snapshotScratch(t);
  await must(t, layerctl, ['snapshot', 'ls']);
  const refused = await layerctl(['snapshot', 'ls', '--storage-opt', 'overlay2.diff=naive']);
  t.is(refused.code, 1);
  t.is(refused.stderr, `layerctl: root ${root} was made with no --storage-opt; it cannot be used with --storage-opt overlay2.diff=naive\n`);
  await must(t, layerctl, ['snapshot', 'ls']);
});

test('a malformed --storage-opt is a usage error naming it, and the option never swallows the command after it', async (t) => {
  const { layerctl } = snapshotScratch(t);
  const malformed = await layerctl(['--storage-opt', 'overlay2.mount_api', 'snapshot', 'ls']);
  t.is(malformed.code, 2);
  t.regex(malformed.stderr, /^layerctl: --storage-opt "overlay2.mount_api": expected KEY=VALUE[^\n]*\n$/);
  const unknown = await layerctl(['--storage-opt', 'overlay2.nosuch=1', 'snapshot', 'ls']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /overlay2[^\n]*nosuch/);
});
