import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { lsetxattr } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { parseDockerignore } from '../dockerignore/parse-dockerignore.ts';
import { selectSources } from './select-sources.ts';
import { checksumSources } from './checksum-sources.ts';

const NO_IGNORE = new PatternMatcher([]);

function makeContext(t: Parameters<typeof scratchDir>[0]): string {
  const context = path.join(scratchDir(t), 'context');
  fs.mkdirSync(path.join(context, 'app', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(context, 'app', 'main.js'), 'console.log(1);\n');
  fs.writeFileSync(path.join(context, 'app', 'lib', 'util.js'), 'export {};\n');
  fs.writeFileSync(path.join(context, 'app', 'notes.log'), 'log\n');
  fs.symlinkSync('main.js', path.join(context, 'app', 'link'));
  fs.writeFileSync(path.join(context, 'other.txt'), 'other\n');
  return context;
}

async function sum(context: string, sources: string[], ignore = NO_IGNORE): Promise<string> {
  return checksumSources(await selectSources(context, sources, ignore), ignore);
}

test('the checksum is a sha256 digest (over blake3 digests of the contents) and stable across runs', async (t) => {
  const context = makeContext(t);
  const first = await sum(context, ['app']);
  t.regex(first, /^sha256:[0-9a-f]{64}$/);
  t.is(await sum(context, ['app']), first);
});

test('touching a source (mtime and atime only) keeps the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  const past = new Date('2001-02-03T04:05:06Z');
  fs.utimesSync(path.join(context, 'app', 'main.js'), past, past);
  fs.utimesSync(path.join(context, 'app', 'lib'), past, past);
  fs.lutimesSync(path.join(context, 'app', 'link'), past, past);
  t.is(await sum(context, ['app']), before);
});

test('changing content changes the checksum, even at the same size', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  fs.writeFileSync(path.join(context, 'app', 'main.js'), 'console.log(2);\n');
  t.not(await sum(context, ['app']), before);
});

test('changing mode changes the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  fs.chmodSync(path.join(context, 'app', 'main.js'), 0o755);
  t.not(await sum(context, ['app']), before);
});

test('changing owner changes the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  fs.lchownSync(path.join(context, 'app', 'lib', 'util.js'), 1234, 5678);
  t.not(await sum(context, ['app']), before);
});

test('changing a symlink target changes the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  fs.unlinkSync(path.join(context, 'app', 'link'));
  fs.symlinkSync('lib/util.js', path.join(context, 'app', 'link'));
  t.not(await sum(context, ['app']), before);
});

test('an extended attribute changes the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  lsetxattr(path.join(context, 'app', 'main.js'), 'user.layerctl-test', Buffer.from('x'));
  t.not(await sum(context, ['app']), before);
});

test('renaming, adding or removing a file changes the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app']);
  fs.renameSync(path.join(context, 'app', 'main.js'), path.join(context, 'app', 'main2.js'));
  const renamed = await sum(context, ['app']);
  t.not(renamed, before);
  fs.writeFileSync(path.join(context, 'app', 'new.js'), '');
  t.not(await sum(context, ['app']), renamed);
});

test('only the selected sources count: editing another file keeps the checksum', async (t) => {
  const context = makeContext(t);
  const before = await sum(context, ['app/*.js']);
  fs.writeFileSync(path.join(context, 'other.txt'), 'edited\n');
  fs.writeFileSync(path.join(context, 'app', 'lib', 'util.js'), 'edited\n');
  t.is(await sum(context, ['app/*.js']), before);
});

test('files .dockerignore excludes do not count', async (t) => {
  const context = makeContext(t);
  const ignore = new PatternMatcher(parseDockerignore('**/*.log\n'));
  const before = await sum(context, ['app'], ignore);
  fs.writeFileSync(path.join(context, 'app', 'notes.log'), 'a much longer log line\n');
  t.is(await sum(context, ['app'], ignore), before);
});

test('a large file is hashed by streaming and its content counts', async (t) => {
  const context = makeContext(t);
  const big = path.join(context, 'app', 'big.bin');
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const fd = fs.openSync(big, 'w');
  for (let i = 0; i < 8; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  const before = await sum(context, ['app']);
  const patch = fs.openSync(big, 'r+');
  fs.writeSync(patch, Buffer.from([8]), 0, 1, 5 * 1024 * 1024 + 3);
  fs.closeSync(patch);
  t.not(await sum(context, ['app']), before);
});

test('the same files selected under different source paths checksum differently', async (t) => {
  const context = makeContext(t);
  fs.cpSync(path.join(context, 'app'), path.join(context, 'app2'), { recursive: true, verbatimSymlinks: true });
  t.not(await sum(context, ['app']), await sum(context, ['app2']));
});
