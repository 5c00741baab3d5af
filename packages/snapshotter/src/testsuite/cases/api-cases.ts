import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import type { SnapshotInfo } from '../../snapshots/snapshotter-api.ts';
import { applyOps, createDir, createFile, type FileOp } from '../file-ops.ts';
import { assertSameTree } from '../same-tree.ts';
import type { Case, SuiteContext } from '../suite-context.ts';

/**
 * containerd's metadata-level cases (Basic, Stat*, Transitivity, PrepareView, Update, Remove,
 * Walk, StatInWalk, CloseTwice, RemoveIntermediateSnapshot) and ours about keys and kinds.
 */

/** Prepares `key` on `parent`, mounts it, applies `ops`, unmounts and commits it as `name`. */
async function commitLayer(ctx: SuiteContext, name: string, key: string, parent: string | undefined, ops: FileOp[]): Promise<void> {
  const target = ctx.mount(await ctx.snapshotter.prepare(key, parent));
  applyOps(target, ops);
  ctx.unmount(target);
  await ctx.snapshotter.commit(name, key);
}

/** The fields of an info that a case states, without the times. */
function shape(info: SnapshotInfo): Pick<SnapshotInfo, 'name' | 'parent' | 'kind' | 'labels'> {
  return { name: info.name, parent: info.parent, kind: info.kind, labels: info.labels };
}

function walkedNames(ctx: SuiteContext, ...filters: string[]): string[] {
  return ctx.snapshotter
    .walk(...filters)
    .map((info) => info.name)
    .sort();
}

export const basic: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  const initial = [createDir('/a', 0o755), createDir('/a/b', 0o755), createDir('/a/b/c', 0o755)];
  const diff = [createFile('/a/b/c/foo', 'foo\n', 0o777), createFile('/bar', 'hello', 0o644), createDir('/a/b/c/d', 0o755)];

  await commitLayer(ctx, 'committed', 'preparing', undefined, initial);
  t.deepEqual(shape(snapshotter.stat('committed')), { name: 'committed', parent: undefined, kind: 'committed', labels: {} });

  const next = ctx.mount(await snapshotter.prepare('next', 'committed'));
  applyOps(next, diff);
  t.deepEqual(shape(snapshotter.stat('next')), { name: 'next', parent: 'committed', kind: 'active', labels: {} });
  const expected = ctx.dir();
  applyOps(expected, [...initial, ...diff]);
  assertSameTree(t, expected, next, 'active snapshot on a committed parent', { mtimes: 'none' });
  ctx.unmount(next);

  await snapshotter.commit('next-committed', 'next');
  t.deepEqual(shape(snapshotter.stat('next-committed')), { name: 'next-committed', parent: 'committed', kind: 'committed', labels: {} });
  t.deepEqual(walkedNames(ctx), ['committed', 'next-committed']);

  const view = ctx.mount(await snapshotter.view('view', 'next-committed'));
  assertSameTree(t, expected, view, 'view of the committed child', { mtimes: 'none' });
  ctx.unmount(view);

  await snapshotter.remove('view');
  await t.throwsAsync(snapshotter.remove('committed'), { instanceOf: FailedPreconditionError });
  await snapshotter.remove('next-committed');
  await snapshotter.remove('committed');
  t.deepEqual(snapshotter.walk(), []);
};

export const statActive: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  const target = ctx.mount(await snapshotter.prepare('active', undefined, { labels: { l: 'v' } }));
  applyOps(target, [createFile('/foo', 'foo', 0o644)]);
  t.deepEqual(shape(snapshotter.stat('active')), { name: 'active', parent: undefined, kind: 'active', labels: { l: 'v' } });
};

export const statCommitted: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await commitLayer(ctx, 'committed', 'active', undefined, [createFile('/foo', 'foo', 0o644)]);
  t.deepEqual(shape(snapshotter.stat('committed')), { name: 'committed', parent: undefined, kind: 'committed', labels: {} });
  t.throws(() => snapshotter.stat('active'), { instanceOf: NotFoundError });
};

export const transitivity: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await commitLayer(ctx, 'snap-a', 'preparing', undefined, [createFile('/foo', 'content for a', 0o644)]);
  await commitLayer(ctx, 'snap-b', 'next', 'snap-a', [createFile('/foo', 'content for b', 0o644)]);
  const b = snapshotter.stat('snap-b');
  t.is(snapshotter.stat('snap-a').parent, undefined);
  t.is(b.parent, 'snap-a');
  t.is(snapshotter.stat(b.parent ?? '').parent, undefined);
};

export const prepareView: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await commitLayer(ctx, 'snap-a', 'preparing', undefined, [createFile('/foo', 'foo', 0o644)]);
  await snapshotter.prepare('new-layer', 'snap-a');
  await t.throwsAsync(snapshotter.view('new-layer', 'snap-a'), { instanceOf: AlreadyExistsError }, 'view on a key in use by an active snapshot');
  await t.throwsAsync(snapshotter.prepare('new-layer', 'snap-a'), { instanceOf: AlreadyExistsError }, 'prepare twice with one key');
  await snapshotter.view('view-layer', 'snap-a');
  await t.throwsAsync(snapshotter.view('view-layer', 'snap-a'), { instanceOf: AlreadyExistsError }, 'view twice with one key');
  await t.throwsAsync(snapshotter.prepare('snap-a', undefined), { instanceOf: AlreadyExistsError }, 'prepare on a committed name');
};

export const parentMustBeCommitted: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await snapshotter.prepare('active', undefined);
  await commitLayer(ctx, 'committed', 'preparing', undefined, []);
  await snapshotter.view('view', 'committed');
  await t.throwsAsync(snapshotter.prepare('child-1', 'active'), { instanceOf: FailedPreconditionError }, 'prepare on an active parent');
  await t.throwsAsync(snapshotter.view('child-2', 'active'), { instanceOf: FailedPreconditionError }, 'view on an active parent');
  await t.throwsAsync(snapshotter.prepare('child-3', 'view'), { instanceOf: FailedPreconditionError }, 'prepare on a view');
  await t.throwsAsync(snapshotter.prepare('child-4', 'missing'), { instanceOf: NotFoundError }, 'prepare on a missing parent');
  await t.throwsAsync(snapshotter.view('child-5', 'missing'), { instanceOf: NotFoundError }, 'view on a missing parent');
  t.deepEqual(walkedNames(ctx), ['active', 'committed', 'view'], 'failed calls leave no snapshot behind');
};

export const commitRules: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await commitLayer(ctx, 'committed', 'preparing', undefined, []);
  await snapshotter.view('view', 'committed');
  await snapshotter.prepare('active', 'committed');
  await t.throwsAsync(snapshotter.commit('from-view', 'view'), { instanceOf: FailedPreconditionError }, 'commit of a view');
  await t.throwsAsync(snapshotter.commit('from-committed', 'committed'), { instanceOf: FailedPreconditionError }, 'commit of a committed snapshot');
  await t.throwsAsync(snapshotter.commit('other', 'missing'), { instanceOf: NotFoundError }, 'commit of a missing key');
  await t.throwsAsync(snapshotter.commit('committed', 'active'), { instanceOf: AlreadyExistsError }, 'commit onto a name in use');
  t.is(snapshotter.stat('active').kind, 'active', 'a refused commit leaves the active snapshot as it was');
  t.is(snapshotter.stat('view').kind, 'view');
};

export const update: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  const before = Date.now();
  await snapshotter.prepare('preparing', undefined, { labels: { l1: 'v1', l2: 'v2' } });
  await snapshotter.commit('committed-1', 'preparing', { labels: { l1: 'v1', l2: 'v2' } });
  const after = Date.now();
  const first = snapshotter.stat('committed-1');
  t.deepEqual(first.labels, { l1: 'v1', l2: 'v2' });
  t.true(first.created.getTime() >= before - 1000 && first.created.getTime() <= after + 1000, `created ${first.created.toISOString()} is now`);
  t.true(first.updated.getTime() >= first.created.getTime());

  await new Promise((resolve) => setTimeout(resolve, 5));
  const replaced = snapshotter.update({ name: 'committed-1', labels: { l1: 'v1', l2: 'v2', l3: 'v3' } });
  t.deepEqual(replaced.labels, { l1: 'v1', l2: 'v2', l3: 'v3' }, 'no field paths replace all labels');
  t.is(replaced.created.getTime(), first.created.getTime(), 'update keeps created');
  t.true(replaced.updated.getTime() > first.updated.getTime(), 'update moves updated forward');

  const some = snapshotter.update({ name: 'committed-1', labels: { l1: 'updated', l4: 'v4' } }, ['labels.l1', 'labels.l2']);
  t.deepEqual(some.labels, { l1: 'updated', l3: 'v3' }, 'labels.k sets or deletes only k');

  const all = snapshotter.update({ name: 'committed-1', labels: { l4: 'v4' } }, ['labels']);
  t.deepEqual(all.labels, { l4: 'v4' }, "'labels' replaces all labels");
  t.deepEqual(snapshotter.stat('committed-1').labels, { l4: 'v4' }, 'stat sees the update');

  await snapshotter.prepare('other', undefined);
  await snapshotter.commit('other-committed', 'other');
  for (const field of ['name', 'parent', 'kind', 'created']) {
    t.throws(() => snapshotter.update({ name: 'committed-1', labels: {} }, [field]), { instanceOf: InvalidArgumentError }, `field path ${field}`);
  }
  t.throws(() => snapshotter.update({ name: 'committed-1', labels: {}, parent: 'other-committed' }), { instanceOf: InvalidArgumentError }, 'changing the parent');
  t.deepEqual(snapshotter.stat('committed-1').labels, { l4: 'v4' }, 'a refused update changes nothing');
  t.is(snapshotter.stat('committed-1').parent, undefined);
  t.throws(() => snapshotter.update({ name: 'missing', labels: {} }), { instanceOf: NotFoundError });
};

export const removeCase: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await snapshotter.prepare('prepare-1', undefined);
  await snapshotter.remove('prepare-1');
  await commitLayer(ctx, 'committed-1', 'prepare-2', undefined, [createFile('/f', 'f', 0o644)]);
  await snapshotter.prepare('prepare-3', 'committed-1');
  await snapshotter.view('view-1', 'committed-1');
  await t.throwsAsync(snapshotter.remove('committed-1'), { instanceOf: FailedPreconditionError }, 'remove of a parent');
  await snapshotter.remove('prepare-3');
  await snapshotter.remove('view-1');
  await snapshotter.remove('committed-1');
  await t.throwsAsync(snapshotter.remove('committed-1'), { instanceOf: NotFoundError }, 'remove twice');
  t.deepEqual(snapshotter.walk(), []);
};

export const removeAfterCommit: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await commitLayer(ctx, 'committed', 'key', undefined, [createFile('/f', 'f', 0o644)]);
  t.throws(() => snapshotter.stat('key'), { instanceOf: NotFoundError }, 'stat of the committed key');
  t.throws(() => snapshotter.mounts('key'), { instanceOf: NotFoundError }, 'mounts of the committed key');
  await t.throwsAsync(snapshotter.remove('key'), { instanceOf: NotFoundError }, 'remove of the committed key');
  await snapshotter.prepare('key', 'committed');
  t.is(snapshotter.stat('key').parent, 'committed', 'the key can be used again');
};

export const removeIntermediateSnapshot: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await commitLayer(ctx, 'base', 'base-active', undefined, [createFile('/base', 'base', 0o644)]);
  await commitLayer(ctx, 'intermediate', 'intermediate-active', 'base', [createFile('/middle', 'middle', 0o644)]);
  const top = ctx.mount(await snapshotter.prepare('top', 'intermediate'));
  await t.throwsAsync(snapshotter.remove('intermediate'), { instanceOf: FailedPreconditionError }, 'remove of the middle of a chain');
  await t.throwsAsync(snapshotter.remove('base'), { instanceOf: FailedPreconditionError }, 'remove of the bottom of a chain');
  const expected = ctx.dir();
  applyOps(expected, [createFile('/base', 'base', 0o644), createFile('/middle', 'middle', 0o644)]);
  assertSameTree(t, expected, top, 'the top after refused removes', { mtimes: 'none' });
  ctx.unmount(top);
  await snapshotter.remove('top');
  await snapshotter.remove('intermediate');
  await snapshotter.remove('base');
  t.deepEqual(snapshotter.walk(), []);
};

/** Snapshots of every kind, with labels, for the walk cases. */
async function walkFixture(ctx: SuiteContext): Promise<void> {
  const { snapshotter } = ctx;
  await snapshotter.prepare('p1-active', undefined);
  await snapshotter.commit('p1', 'p1-active', { labels: { a: '1' } });
  await snapshotter.prepare('p2-active', 'p1');
  await snapshotter.commit('p2', 'p2-active', { labels: { a: '2', b: 'x' } });
  await snapshotter.prepare('a1', 'p2');
  await snapshotter.view('v1', 'p1', { labels: { 'dot.ted': 'y' } });
  await snapshotter.prepare('a0', undefined, { labels: { b: 'y' } });
}

export const walk: Case = async (ctx) => {
  const { t } = ctx;
  await walkFixture(ctx);
  const cases: Array<[string[], string[]]> = [
    [[], ['a0', 'a1', 'p1', 'p2', 'v1']],
    [['name==p1'], ['p1']],
    [['parent==p1'], ['p2', 'v1']],
    [['kind==committed'], ['p1', 'p2']],
    [['kind==view'], ['v1']],
    [['kind==active'], ['a0', 'a1']],
    [['labels.a'], ['p1', 'p2']],
    [['labels.a==2'], ['p2']],
    [['labels."dot.ted"==y'], ['v1']],
    [['kind==committed,labels.b'], ['p2']],
    [['labels.b==y,kind==active'], ['a0']],
    [['name==a0', 'name==v1'], ['a0', 'v1']],
    [['kind==view', 'labels.a==1'], ['p1', 'v1']],
    [['name==nothing'], []],
  ];
  for (const [filters, expected] of cases) t.deepEqual(walkedNames(ctx, ...filters), expected, `walk(${filters.map((f) => JSON.stringify(f)).join(', ')})`);
};

export const statInWalk: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await walkFixture(ctx);
  const walked = snapshotter.walk();
  t.is(walked.length, 5);
  for (const info of walked) t.deepEqual(info, snapshotter.stat(info.name), `walk and stat agree on ${info.name}`);
};

export const removeInWalk: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  await walkFixture(ctx);
  const walked = snapshotter.walk();
  const names = walked.map((info) => info.name);
  // Leaves first: each round removes what has no children left, while still iterating one walk's result.
  for (let round = 0; round < walked.length && snapshotter.walk().length > 0; round++) {
    for (const info of walked) {
      const children = snapshotter.walk(`parent==${info.name}`);
      if (children.length === 0 && snapshotter.walk(`name==${info.name}`).length === 1) await snapshotter.remove(info.name);
    }
  }
  t.deepEqual(
    walked.map((info) => info.name),
    names,
    'a walk result is a snapshot of the store, not a live cursor',
  );
  t.deepEqual(snapshotter.walk(), []);
};

export const closeTwice: Case = async (ctx) => {
  await ctx.snapshotter.close();
  await ctx.snapshotter.close();
  ctx.t.pass();
};

export const mountsAfterPrepareAndView: Case = async (ctx) => {
  const { t, snapshotter } = ctx;
  const prepared = await snapshotter.prepare('active', undefined);
  t.true(prepared.length > 0, 'prepare returns mounts');
  t.deepEqual(snapshotter.mounts('active'), prepared, 'mounts() of an active snapshot is what prepare returned');
  const target = ctx.mount(snapshotter.mounts('active'));
  applyOps(target, [createFile('/f', 'f', 0o644)]);
  ctx.unmount(target);
  t.deepEqual(snapshotter.mounts('active'), prepared, 'mounts() is stable across a mount');
  await snapshotter.commit('committed', 'active');

  const viewed = await snapshotter.view('view', 'committed');
  t.deepEqual(snapshotter.mounts('view'), viewed, 'mounts() of a view is what view returned');
  const child = await snapshotter.prepare('child', 'committed');
  t.deepEqual(snapshotter.mounts('child'), child);
  t.throws(() => snapshotter.mounts('missing'), { instanceOf: NotFoundError });
  const expected = ctx.dir();
  applyOps(expected, [createFile('/f', 'f', 0o644)]);
  for (const key of ['view', 'child']) {
    const mounted = ctx.mount(snapshotter.mounts(key));
    assertSameTree(t, expected, mounted, `mounts of ${key}`, { mtimes: 'none' });
    ctx.unmount(mounted);
  }
};
