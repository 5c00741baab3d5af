import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { parseDockerignore } from '../dockerignore/parse-dockerignore.ts';
import { selectSources, type SelectedSource } from './select-sources.ts';
import { walkSource } from './walk-source.ts';

const NO_IGNORE = new PatternMatcher([]);

/** Writes `files` (path -> content; a path ending in / is a directory) under a fresh context dir. */
function makeContext(dir: string, files: Record<string, string>): string {
  const context = path.join(dir, 'context');
  fs.mkdirSync(context);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(context, name);
    if (name.endsWith('/')) fs.mkdirSync(file, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  return context;
}

function paths(selected: SelectedSource[]): string[] {
  return selected.map((source) => source.contextPath);
}

async function walked(source: SelectedSource, ignore: PatternMatcher): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of walkSource(source, ignore)) out.push(entry.relativePath);
  return out;
}

const TREE = {
  'a.txt': 'a', 'b.txt': 'b', '.hidden.txt': 'h', 'c.md': 'c',
  'src/x.js': 'x', 'src/y.js': 'y', 'src/deep/z.js': 'z', 'lib/w.js': 'w', 'empty/': '',
};

test('a plain source selects that path; a leading / and ./ mean the context root', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  const selected = await selectSources(context, ['a.txt', '/src', './lib/w.js', '.'], NO_IGNORE);
  t.deepEqual(paths(selected), ['a.txt', 'src', 'lib/w.js', '.']);
  t.like(selected[0], { source: 'a.txt', name: 'a.txt', isDirectory: false, absolutePath: path.join(context, 'a.txt') });
  t.like(selected[1], { name: 'src', isDirectory: true });
  t.like(selected[3], { isDirectory: true, absolutePath: context });
});

test('* matches within one path element, dot files included, in name order', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  t.deepEqual(paths(await selectSources(context, ['*.txt'], NO_IGNORE)), ['.hidden.txt', 'a.txt', 'b.txt']);
  t.deepEqual(paths(await selectSources(context, ['*/*.js'], NO_IGNORE)), ['lib/w.js', 'src/x.js', 'src/y.js']);
  t.deepEqual(paths(await selectSources(context, ['src/*'], NO_IGNORE)), ['src/deep', 'src/x.js', 'src/y.js']);
});

test('? and [...] match one character', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  t.deepEqual(paths(await selectSources(context, ['?.txt'], NO_IGNORE)), ['a.txt', 'b.txt']);
  t.deepEqual(paths(await selectSources(context, ['[ac].*'], NO_IGNORE)), ['a.txt', 'c.md']);
});

test('a wildcard matching nothing is an error naming the source', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  await t.throwsAsync(selectSources(context, ['*.none'], NO_IGNORE), { instanceOf: NotFoundError, message: '*.none: no file in the build context matches it' });
});

test('a missing source is an error naming it', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  await t.throwsAsync(selectSources(context, ['nope.txt'], NO_IGNORE), { instanceOf: NotFoundError, message: 'nope.txt: not in the build context' });
  await t.throwsAsync(selectSources(context, ['a.txt/inner'], NO_IGNORE), { instanceOf: NotFoundError });
});

test('a source leading outside the context is refused', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  await t.throwsAsync(selectSources(context, ['../x'], NO_IGNORE), { instanceOf: InvalidArgumentError, message: /leads outside the build context/ });
  await t.throwsAsync(selectSources(context, ['src/../../x'], NO_IGNORE), { instanceOf: InvalidArgumentError });
  t.deepEqual(paths(await selectSources(context, ['/../a.txt'], NO_IGNORE)), ['a.txt'], 'a rooted path stops at the root, as path.Clean has it');
});

test('URL and git sources are refused: layerctl fetches nothing', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  await t.throwsAsync(selectSources(context, ['https://example.com/x.tar'], NO_IGNORE), { instanceOf: InvalidArgumentError, message: /does not fetch URLs/ });
  await t.throwsAsync(selectSources(context, ['git@github.com:a/b.git'], NO_IGNORE), { instanceOf: InvalidArgumentError });
});

test('.dockerignore hides paths from wildcards and makes named ones missing', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  const ignore = new PatternMatcher(parseDockerignore('*.txt\n!b.txt\nsrc/deep\n'));
  t.deepEqual(paths(await selectSources(context, ['*.txt'], ignore)), ['b.txt']);
  await t.throwsAsync(selectSources(context, ['a.txt'], ignore), { instanceOf: NotFoundError, message: 'a.txt: a.txt is excluded by .dockerignore' });
  await t.throwsAsync(selectSources(context, ['src/deep/z.js'], ignore), { instanceOf: NotFoundError });
});

test('a directory source walks its contents in name order, without what .dockerignore excludes', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  const ignore = new PatternMatcher(parseDockerignore('src/y.js\n'));
  const [src] = await selectSources(context, ['src'], ignore);
  if (src === undefined) return t.fail();
  t.deepEqual(await walked(src, ignore), ['.', 'deep', 'deep/z.js', 'x.js']);
});

test('an excluded directory appears only to hold what an exception brings back', async (t) => {
  const context = makeContext(scratchDir(t), { ...TREE, 'docs/keep/a.md': 'a', 'docs/drop/b.md': 'b', 'docs/c.md': 'c' });
  const ignore = new PatternMatcher(parseDockerignore('docs\n!docs/keep\n'));
  const [root] = await selectSources(context, ['.'], ignore);
  if (root === undefined) return t.fail();
  const entries = await walked(root, ignore);
  t.deepEqual(entries.filter((entry) => entry.startsWith('docs')), ['docs', 'docs/keep', 'docs/keep/a.md']);
  const [docs] = await selectSources(context, ['docs'], ignore);
  t.like(docs, { isDirectory: true });
  t.deepEqual(paths(await selectSources(context, ['d*'], ignore)), ['docs'], 'a wildcard matches the directory kept for its exception');
  t.deepEqual(paths(await selectSources(context, ['docs/*'], ignore)), ['docs/keep']);
});

test('a file source walks as itself alone', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  const [file] = await selectSources(context, ['lib/w.js'], NO_IGNORE);
  if (file === undefined) return t.fail();
  t.deepEqual(await walked(file, NO_IGNORE), ['.']);
});

test('a source holding a NUL character is refused as such', async (t) => {
  const context = makeContext(scratchDir(t), TREE);
  await t.throwsAsync(selectSources(context, ['a\0.txt'], NO_IGNORE), { instanceOf: InvalidArgumentError, message: /cannot hold a NUL/ });
});
