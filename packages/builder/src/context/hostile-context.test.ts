import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { selectSources } from './select-sources.ts';
import { walkSource, type ContextEntry } from './walk-source.ts';
import { checksumSources } from './checksum-sources.ts';

// Every escape here aims at a sentinel file in the test's own scratch dir, beside the context,
// never at a host path: a regression then reads the sentinel, and the test sees it.

const NO_IGNORE = new PatternMatcher([]);
const SENTINEL_TEXT = 'sentinel outside the context';

function hostileContext(t: Parameters<typeof scratchDir>[0]): { context: string; sentinel: string } {
  const dir = scratchDir(t);
  const sentinel = path.join(dir, 'sentinel');
  fs.writeFileSync(sentinel, SENTINEL_TEXT);
  fs.mkdirSync(path.join(dir, 'outside-dir'));
  fs.writeFileSync(path.join(dir, 'outside-dir', 'secret'), SENTINEL_TEXT);
  const context = path.join(dir, 'context');
  fs.mkdirSync(path.join(context, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(context, 'inside.txt'), 'inside');
  fs.symlinkSync(sentinel, path.join(context, 'absolute-escape'));
  fs.symlinkSync('../sentinel', path.join(context, 'relative-escape'));
  fs.symlinkSync('../../outside-dir', path.join(context, 'dir', 'dir-escape'));
  fs.symlinkSync('inside.txt', path.join(context, 'inside-link'));
  fs.symlinkSync('/inside.txt', path.join(context, 'rooted-link'));
  fs.symlinkSync('loop-b', path.join(context, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(context, 'loop-b'));
  return { context, sentinel };
}

async function entries(context: string, source: string): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  for (const selected of await selectSources(context, [source], NO_IGNORE)) {
    for await (const entry of walkSource(selected, NO_IGNORE)) out.push(entry);
  }
  return out;
}

test('a source symlink with an absolute target outside is resolved inside the context, so it is missing', async (t) => {
  const { context } = hostileContext(t);
  await t.throwsAsync(selectSources(context, ['absolute-escape'], NO_IGNORE), { instanceOf: NotFoundError });
});

test('a source symlink climbing out with .. stops at the context root', async (t) => {
  const { context } = hostileContext(t);
  // ../sentinel from the root is /sentinel inside the context, which does not exist.
  await t.throwsAsync(selectSources(context, ['relative-escape'], NO_IGNORE), { instanceOf: NotFoundError });
  fs.writeFileSync(path.join(context, 'sentinel'), 'the context own sentinel');
  const [selected] = await selectSources(context, ['relative-escape'], NO_IGNORE);
  t.is(selected?.absolutePath, path.join(context, 'sentinel'));
  t.is(selected?.name, 'relative-escape', 'the copy is named after the link, as in Docker');
});

test('a source symlink inside the context is followed, absolute targets from the context root', async (t) => {
  const { context } = hostileContext(t);
  const selected = await selectSources(context, ['inside-link', 'rooted-link'], NO_IGNORE);
  t.deepEqual(selected.map((source) => source.absolutePath), [path.join(context, 'inside.txt'), path.join(context, 'inside.txt')]);
});

test('a path through a symlinked directory leading outside is not followed out', async (t) => {
  const { context } = hostileContext(t);
  await t.throwsAsync(selectSources(context, ['dir/dir-escape/secret'], NO_IGNORE), { instanceOf: NotFoundError });
  await t.throwsAsync(selectSources(context, ['dir/dir-escape/*'], NO_IGNORE), { instanceOf: NotFoundError });
});

test('symlinks below a copied directory are entries of their own, never followed', async (t) => {
  const { context } = hostileContext(t);
  const all = await entries(context, '.');
  const escape = all.find((entry) => entry.relativePath === 'dir/dir-escape');
  t.true(escape?.stats.isSymbolicLink());
  t.is(escape?.linkTarget, '../../outside-dir');
  t.false(all.some((entry) => entry.relativePath.includes('secret')));
  t.false(all.some((entry) => !entry.absolutePath.startsWith(`${context}`)));
});

test('the checksum of a context with escaping links never reads the sentinel', async (t) => {
  const { context, sentinel } = hostileContext(t);
  const selected = await selectSources(context, ['.'], NO_IGNORE);
  const before = await checksumSources(selected, NO_IGNORE);
  fs.writeFileSync(sentinel, 'changed outside');
  fs.writeFileSync(path.join(path.dirname(sentinel), 'outside-dir', 'secret'), 'changed too');
  t.is(await checksumSources(selected, NO_IGNORE), before, 'what lies outside does not count');
});

test('a symlink loop is an error, not a hang', async (t) => {
  const { context } = hostileContext(t);
  await t.throwsAsync(selectSources(context, ['loop-a'], NO_IGNORE), { instanceOf: InvalidArgumentError, message: /too many levels of symbolic links/ });
});
