import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { lsetxattr } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { checksumSources } from './checksum-sources.ts';
import { CONTEXT_SUMS_DIR, ContextSums, pruneContextSums, SETTLE_MS } from './context-sums.ts';
import { selectSources } from './select-sources.ts';

const NO_IGNORE = new PatternMatcher([]);

/** A clock past SETTLE_MS after anything the test writes: every entry may be remembered. */
const settled = (): number => Date.now() + 10 * SETTLE_MS;

function setUp(t: ExecutionContext): { context: string; builds: string } {
  const dir = scratchDir(t);
  const context = path.join(dir, 'context');
  const builds = path.join(dir, 'builds');
  fs.mkdirSync(path.join(context, 'app', 'lib'), { recursive: true });
  fs.mkdirSync(builds);
  fs.writeFileSync(path.join(context, 'app', 'main.js'), 'console.log(1);\n');
  fs.writeFileSync(path.join(context, 'app', 'lib', 'util.js'), 'export {};\n');
  fs.symlinkSync('main.js', path.join(context, 'app', 'link'));
  return { context, builds };
}

/** One build's checksum of `app`: sums loaded from builds/, used, and saved as a build does. */
async function sum(context: string, builds: string | undefined, now = settled): Promise<string> {
  const sums = builds === undefined ? undefined : new ContextSums(builds, context, now);
  const result = await checksumSources(await selectSources(context, ['app'], NO_IGNORE), NO_IGNORE, sums);
  sums?.save();
  return result;
}

/**
 * Waits past the filesystem's timestamp tick, so the next change gets a new ctime: the tests'
 * clock says everything settled long ago, which a real change within one tick would not be.
 */
async function nextTick(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

function sumsFile(builds: string): string {
  const [name] = fs.readdirSync(path.join(builds, CONTEXT_SUMS_DIR));
  return path.join(builds, CONTEXT_SUMS_DIR, name ?? '');
}

test('remembered sums give the checksum a full read gives, on the build that learns them and on the next', async (t) => {
  const { context, builds } = setUp(t);
  const full = await sum(context, undefined);
  t.is(await sum(context, builds), full);
  t.true(fs.existsSync(sumsFile(builds)));
  t.is(await sum(context, builds), full);
});

test('while an entry keeps its stat key its remembered sum is used, not its content', async (t) => {
  const { context, builds } = setUp(t);
  const full = await sum(context, builds);
  // A remembered digest that is not the file's: only a build that does not read the file returns it.
  const file = sumsFile(builds);
  const main = path.join(context, 'app', 'main.js');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/("[^"]*main\.js":\{[^}]*"content":")[0-9a-f]{64}/, `$1${'0'.repeat(64)}`));
  t.not(await sum(context, builds), full);
  // Writing the file moves its key: it is read again and the true checksum comes back.
  await nextTick();
  fs.writeFileSync(main, fs.readFileSync(main));
  t.is(await sum(context, builds), full);
});

test('an edit of the same size, a chmod and an xattr each move the key, so the checksum follows', async (t) => {
  const { context, builds } = setUp(t);
  const main = path.join(context, 'app', 'main.js');
  const before = await sum(context, builds);
  await nextTick();
  fs.writeFileSync(main, 'console.log(2);\n');
  const edited = await sum(context, builds);
  t.not(edited, before);
  t.is(edited, await sum(context, undefined));
  await nextTick();
  fs.chmodSync(main, 0o700);
  const chmodded = await sum(context, builds);
  t.not(chmodded, edited);
  await nextTick();
  lsetxattr(main, 'user.layerctl-test', Buffer.from('x'));
  const labelled = await sum(context, builds);
  t.not(labelled, chmodded);
  t.is(labelled, await sum(context, undefined));
});

test('an entry changed less than SETTLE_MS ago is not remembered, and nothing learned writes nothing', async (t) => {
  const { context, builds } = setUp(t);
  await sum(context, builds, Date.now);
  t.false(fs.existsSync(path.join(builds, CONTEXT_SUMS_DIR)));
});

test('a sums file that does not parse, or is of another version, is ignored and written anew', async (t) => {
  const { context, builds } = setUp(t);
  const full = await sum(context, builds);
  const file = sumsFile(builds);
  fs.writeFileSync(file, '{"version":1,"entries":{"x":{"key":');
  t.is(await sum(context, builds), full);
  fs.writeFileSync(file, JSON.stringify({ version: 99, entries: {} }));
  t.is(await sum(context, builds), full);
  t.regex(fs.readFileSync(file, 'utf8'), /^\{"version":1,/);
});

function rememberedPaths(builds: string): string[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(sumsFile(builds), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('entries' in parsed) || typeof parsed.entries !== 'object' || parsed.entries === null) return [];
  return Object.keys(parsed.entries).sort();
}

test('a save drops what it remembered of files gone from the context since', async (t) => {
  const { context, builds } = setUp(t);
  await sum(context, builds);
  t.true(rememberedPaths(builds).includes(path.join(context, 'app', 'lib', 'util.js')));
  fs.rmSync(path.join(context, 'app', 'lib', 'util.js'));
  fs.writeFileSync(path.join(context, 'app', 'new.js'), 'export const n = 1;\n');
  await sum(context, builds);
  const remembered = rememberedPaths(builds);
  t.false(remembered.includes(path.join(context, 'app', 'lib', 'util.js')));
  t.true(remembered.includes(path.join(context, 'app', 'new.js')));
});

test('gc removes the sums of contexts that are gone, and of files that do not say which context they are for', async (t) => {
  const { context, builds } = setUp(t);
  const root = path.dirname(builds);
  const gone = path.join(root, 'gone-context');
  fs.cpSync(context, gone, { recursive: true });
  await sum(context, builds);
  await sum(gone, builds);
  fs.writeFileSync(path.join(builds, CONTEXT_SUMS_DIR, 'foreign.json'), '{"version":1,"entries":{}}');
  t.is(fs.readdirSync(path.join(builds, CONTEXT_SUMS_DIR)).length, 3);
  fs.rmSync(gone, { recursive: true });
  t.is(pruneContextSums({ dir: root }), 2);
  const left = fs.readdirSync(path.join(builds, CONTEXT_SUMS_DIR));
  t.is(left.length, 1);
  t.is(rememberedPaths(builds)[0]?.startsWith(context), true);
  t.is(pruneContextSums({ dir: path.join(root, 'no-such-root') }), 0);
});
