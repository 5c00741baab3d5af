import test from 'ava';
import { parseJson, records } from './json-output.ts';
import { must, snapshotScratch } from './snapshot-scratch.ts';

/** base (committed) ← child (active), and view v of base. */
async function smallChain(t: Parameters<typeof snapshotScratch>[0]) {
  const scratch = snapshotScratch(t);
  const { layerctl } = scratch;
  await must(t, layerctl, ['snapshot', 'prepare', 'base-work']);
  await must(t, layerctl, ['snapshot', 'commit', 'base', 'base-work']);
  await must(t, layerctl, ['snapshot', 'prepare', 'child', 'base']);
  await must(t, layerctl, ['snapshot', 'view', 'v', 'base']);
  return scratch;
}

test('prepare, commit and view make a chain that ls prints as KEY PARENT KIND columns', async (t) => {
  const { layerctl } = await smallChain(t);
  const listed = await layerctl(['snapshot', 'ls']);
  t.is(listed.code, 0, listed.stderr);
  t.is(listed.stderr, '');
  const [header, ...rows] = listed.stdout.trimEnd().split('\n');
  t.regex(header ?? '', /^KEY +PARENT +KIND$/);
  t.deepEqual(
    rows.map((row) => row.split(/ +/)),
    [['base', 'Committed'], ['child', 'base', 'Active'], ['v', 'base', 'View']],
  );
  t.is(header?.indexOf('KIND'), rows[1]?.indexOf('Active'), 'columns line up');
});

test('commit removes the active key: it is gone from ls and stat of it fails', async (t) => {
  const { layerctl } = await smallChain(t);
  const names = records(parseJson((await layerctl(['snapshot', 'ls', '--json'])).stdout)).map((info) => info['name']);
  t.deepEqual(names, ['base', 'child', 'v']);
  const gone = await layerctl(['snapshot', 'stat', 'base-work']);
  t.is(gone.code, 1);
  t.regex(gone.stderr, /^layerctl: [^\n]*base-work[^\n]*\n$/);
});

test('ls --json and stat --json give name, parent (null for a base), kind, labels and ISO times', async (t) => {
  const { layerctl } = await smallChain(t);
  const listed = records(parseJson((await layerctl(['snapshot', 'ls', '--json'])).stdout));
  t.like(listed[0], { name: 'base', parent: null, kind: 'committed', labels: {} });
  t.like(listed[1], { name: 'child', parent: 'base', kind: 'active' });
  t.like(listed[2], { name: 'v', parent: 'base', kind: 'view' });
  const stat = await layerctl(['snapshot', 'stat', 'child', '--json']);
  t.is(stat.code, 0, stat.stderr);
  const info = parseJson(stat.stdout);
  t.deepEqual(info, listed[1]);
  t.regex(String(listed[1]?.['created']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('stat prints one Field: value line each', async (t) => {
  const { layerctl } = await smallChain(t);
  const stat = await layerctl(['snapshot', 'stat', 'child']);
  t.is(stat.code, 0, stat.stderr);
  t.regex(stat.stdout, /^Name: child\nParent: base\nKind: Active\nCreated: \S+Z\nUpdated: \S+Z\nLabels:\n$/);
});

test('ls --filter: a comma means and, a repeated --filter means or', async (t) => {
  const { layerctl } = await smallChain(t);
  const names = async (...filters: string[]) =>
    records(parseJson((await layerctl(['snapshot', 'ls', '--json', ...filters.flatMap((f) => ['--filter', f])])).stdout)).map((info) => info['name']);
  t.deepEqual(await names('parent==base'), ['child', 'v']);
  t.deepEqual(await names('parent==base,kind==view'), ['v']);
  t.deepEqual(await names('kind==committed', 'name==child'), ['base', 'child']);
  const bad = await layerctl(['snapshot', 'ls', '--filter', 'colour==blue']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^layerctl: [^\n]*colour[^\n]*\n$/);
});

test('a snapshot with children cannot be removed: exit 1, one line, and it stays', async (t) => {
  const { layerctl } = await smallChain(t);
  const refused = await layerctl(['snapshot', 'rm', 'base']);
  t.is(refused.code, 1);
  t.is(refused.stdout, '');
  t.regex(refused.stderr, /^layerctl: [^\n]*base[^\n]*children[^\n]*\n$/);
  await must(t, layerctl, ['snapshot', 'stat', 'base']);

  await must(t, layerctl, ['snapshot', 'rm', 'child', 'v', 'base']);
  t.deepEqual(records(parseJson((await layerctl(['snapshot', 'ls', '--json'])).stdout)), []);
});

test('misuse fails with exit 1 and one line naming the key: unknown parent, key in use, a view as parent, commit of a view', async (t) => {
  const { layerctl } = await smallChain(t);
  const cases = [
    { args: ['prepare', 'x', 'no-such-parent'], names: 'no-such-parent' },
    { args: ['prepare', 'child', 'base'], names: 'child' },
    { args: ['prepare', 'y', 'v'], names: 'v' },
    { args: ['commit', 'z', 'v'], names: 'v' },
    { args: ['mounts', 'base'], names: 'base' },
  ];
  for (const { args, names } of cases) {
    const result = await layerctl(['snapshot', ...args]);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, new RegExp(`^layerctl: [^\\n]*${names}[^\\n]*\\n$`), args.join(' '));
  }
});

test('snapshot without a subcommand, or with an unknown one, is bad usage (exit 2)', async (t) => {
  const { layerctl } = snapshotScratch(t);
  for (const args of [['snapshot'], ['snapshot', 'frobnicate']]) {
    const result = await layerctl(args);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, /^layerctl: [^\n]+\n$/);
  }
});

test('mounts of an active snapshot on a parent is an overlay with the parent below; --json parses', async (t) => {
  const { layerctl, root } = await smallChain(t);
  const json = await layerctl(['snapshot', 'mounts', 'child', '--json']);
  t.is(json.code, 0, json.stderr);
  const [mount, ...more] = records(parseJson(json.stdout));
  t.deepEqual(more, []);
  t.like(mount, { type: 'overlay' });
  const options = mount?.['options'];
  t.true(Array.isArray(options));
  const words = Array.isArray(options) ? options.map(String) : [];
  t.true(words.some((word) => word.startsWith(`upperdir=${root}/overlay2/`)), words.join(','));
  t.true(words.some((word) => /^lowerdir\+?=/.test(word)), words.join(','));

  const text = await layerctl(['snapshot', 'mounts', 'child']);
  t.is(text.code, 0, text.stderr);
  t.is(text.stdout, `overlay ${String(mount?.['source'])} ${words.join(',')}\n`);
});
