import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { parseSnapshotFilters } from './filters.ts';
import type { SnapshotInfo } from './snapshotter-api.ts';

const created = new Date(0);

function info(name: string, fields: Partial<SnapshotInfo> = {}): SnapshotInfo {
  return { name, parent: undefined, kind: 'committed', labels: {}, created, updated: created, ...fields };
}

const SNAPSHOTS = [
  info('base'),
  info('app', { parent: 'base', kind: 'active', labels: { 'a.b/c': 'x, y', tier: 'web' } }),
  info('db', { parent: 'base', kind: 'view', labels: { tier: 'db', empty: '' } }),
];

function matching(...filters: string[]): string[] {
  const matches = parseSnapshotFilters(filters);
  return SNAPSHOTS.filter(matches).map((snapshot) => snapshot.name);
}

test('no filter matches every snapshot', (t) => {
  t.deepEqual(matching(), ['base', 'app', 'db']);
});

test('== and != compare a field; != also matches a snapshot without the field', (t) => {
  t.deepEqual(matching('name==app'), ['app']);
  t.deepEqual(matching('parent==base'), ['app', 'db']);
  t.deepEqual(matching('parent!=base'), ['base']);
  t.deepEqual(matching('labels.tier!=web'), ['base', 'db']);
});

test('a field path alone tests presence, even of an empty label', (t) => {
  t.deepEqual(matching('labels.tier'), ['app', 'db']);
  t.deepEqual(matching('labels.empty'), ['db']);
  t.deepEqual(matching('parent'), ['app', 'db']);
});

test('label keys with dots are quoted or joined; quoted values may hold commas and escaped quotes', (t) => {
  t.deepEqual(matching('labels."a.b/c"=="x, y"'), ['app']);
  t.deepEqual(matching('labels.a.b/c=="x, y"'), ['app']);
  t.deepEqual(parseSnapshotFilters(['labels.q=="say \\"hi\\""'])(info('q', { labels: { q: 'say "hi"' } })), true);
});

test('comma is AND, several filters are OR, spaces between tokens are ignored', (t) => {
  t.deepEqual(matching('parent==base, kind==view'), ['db']);
  t.deepEqual(matching('kind==active', 'kind==view'), ['app', 'db']);
  t.deepEqual(matching('kind==active,labels.tier==db', 'name == base'), ['base']);
});

test('~= searches with a regular expression', (t) => {
  t.deepEqual(matching('name~=^[ab]'), ['base', 'app']);
  t.deepEqual(matching('labels.tier~=^w'), ['app']);
  t.deepEqual(matching('labels.missing~=.*'), [], 'an absent field matches no expression');
});

test('a malformed filter is InvalidArgument naming the filter and what is wrong', (t) => {
  const bad: Array<[string, RegExp]> = [
    ['size==1', /unknown field "size"/],
    ['labels==x', /labels needs a key/],
    ['name.first==x', /unknown field "name.first"/],
    ['name==', /a value is missing/],
    ['labels."open==x', /quoted string is not closed/],
    ['name==a"b', /must be quoted whole/],
    ['name~=(', /not a regular expression/],
    ['name==a,', /a field name is missing at the end/],
    ['==x', /expected a field name/],
    ['name=="a"b', /unexpected "b"/],
  ];
  for (const [filter, reason] of bad) {
    const error = t.throws(() => parseSnapshotFilters(['kind==active', filter]), { instanceOf: InvalidArgumentError }, filter);
    t.true(error?.message.startsWith(`snapshot filter ${JSON.stringify(filter)}: `), error?.message);
    t.regex(error?.message ?? '', reason, filter);
  }
});
