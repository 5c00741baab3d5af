import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { busyboxTarForFile } from './busybox-tar.ts';
import { parseJson, records } from './json-output.ts';
import { inRoot } from './run-layerctl.ts';

const busyboxTar = busyboxTarForFile(test);

function sha256File(file: string): string {
  return `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

test('import makes a one-layer image whose DiffID is the sha256 of the tar', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  const imported = await layerctl(['import', busyboxTar(), 'busybox:latest']);
  t.is(imported.code, 0, imported.stderr);
  t.regex(imported.stdout, /^sha256:[0-9a-f]{64}\n$/);

  const [image] = records(parseJson((await layerctl(['inspect', 'busybox'])).stdout));
  t.deepEqual(records(parseJson((await layerctl(['inspect', '--json', 'busybox'])).stdout)), [image ?? {}]);
  t.is(image?.['Id'], imported.stdout.trim());
  t.deepEqual(image?.['RepoTags'], ['busybox:latest']);
  t.deepEqual(image?.['RootFS'], { Type: 'layers', Layers: [sha256File(busyboxTar())] });
});

test('import reads the tar from stdin when it is -', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  const imported = await layerctl(['import', '-', 'from-stdin:1'], { stdinFile: busyboxTar() });
  t.is(imported.code, 0, imported.stderr);
  const [image] = records(parseJson((await layerctl(['images', '--json'])).stdout));
  t.like(image, { name: 'from-stdin', tag: '1', id: imported.stdout.trim() });
});

test('images prints an aligned table: 12-digit id, age in words, size in decimal units', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  const id = (await layerctl(['import', busyboxTar(), 'busybox'])).stdout.trim();
  const listed = await layerctl(['images']);
  t.is(listed.code, 0, listed.stderr);
  const [header, row, ...rest] = listed.stdout.split('\n');
  t.deepEqual(rest, ['']);
  t.regex(header ?? '', /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
  t.regex(row ?? '', new RegExp(`^busybox +latest +${id.slice('sha256:'.length, 'sha256:'.length + 12)} +(Less than a second|\\d+ seconds?) ago +[\\d.]+[kM]B$`));
  t.is(header?.indexOf('IMAGE ID'), row?.indexOf(id.slice(7, 19)), 'columns line up');
});

test('images --json lists every name as a JSON array', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  t.deepEqual(records(parseJson((await layerctl(['images', '--json'])).stdout)), []);
  await layerctl(['import', busyboxTar(), 'busybox']);
  await layerctl(['tag', 'busybox', 'example.com/base:v1']);
  const images = records(parseJson((await layerctl(['images', '--json'])).stdout));
  t.deepEqual(images.map((image) => `${String(image['name'])}:${String(image['tag'])}`).sort(), ['busybox:latest', 'example.com/base:v1']);
  t.is(new Set(images.map((image) => image['id'])).size, 1, 'a tag names the same image');
});

test('history shows the import step, and --json parses', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  const id = (await layerctl(['import', busyboxTar(), 'busybox'])).stdout.trim();
  const table = await layerctl(['history', 'busybox']);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n[0-9a-f]{12} +.* ago +layerctl import +[\d.]+[kM]B\n$/);
  t.is(table.stdout.split('\n')[1]?.slice(0, 12), id.replace(/^sha256:/, '').slice(0, 12), 'the newest step shows the image\'s own id');
  const steps = records(parseJson((await layerctl(['history', 'busybox', '--json'])).stdout));
  t.is(steps.length, 1);
  t.like(steps[0], { createdBy: 'layerctl import', emptyLayer: false });
});

test('tag adds a name; rmi of one name untags, rmi of the last name deletes the image', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  const id = (await layerctl(['import', busyboxTar(), 'busybox'])).stdout.trim();
  const tagged = await layerctl(['tag', 'busybox', 'mine:2']);
  t.is(tagged.code, 0, tagged.stderr);
  t.is(tagged.stdout, '');

  const untag = await layerctl(['rmi', 'mine:2']);
  t.is(untag.code, 0, untag.stderr);
  t.is(untag.stdout, 'Untagged: mine:2\n');

  const remove = await layerctl(['rmi', 'busybox']);
  t.is(remove.code, 0, remove.stderr);
  t.true(remove.stdout.startsWith(`Untagged: busybox:latest\nDeleted: ${id}\n`), remove.stdout);
  t.deepEqual(records(parseJson((await layerctl(['images', '--json'])).stdout)), []);
});

test('rmi by id of an image with two names is refused without -f and done with it', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  const id = (await layerctl(['import', busyboxTar(), 'busybox'])).stdout.trim();
  await layerctl(['tag', 'busybox', 'other']);
  const refused = await layerctl(['rmi', id.slice(7, 19)]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^layerctl: [^\n]*several names[^\n]*\n$/);
  const forced = await layerctl(['rmi', '-f', id.slice(7, 19)]);
  t.is(forced.code, 0, forced.stderr);
  t.deepEqual(records(parseJson((await layerctl(['images', '--json'])).stdout)), []);
});

test('inspect of an unknown image fails with one line naming it, exit 1', async (t) => {
  const result = await inRoot(scratchDir(t))(['inspect', 'no-such-image']);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.regex(result.stderr, /^layerctl: [^\n]*no-such-image[^\n]*\n$/);
});

test('importing a file that is not a tar fails with one line naming the file and leaves no image', async (t) => {
  const dir = scratchDir(t);
  const layerctl = inRoot(path.join(dir, 'root'));
  const notTar = path.join(dir, 'notes.txt');
  fs.writeFileSync(notTar, 'these are notes, not a tar archive\n'.repeat(40));
  const result = await layerctl(['import', notTar, 'broken']);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.regex(result.stderr, /^layerctl: [^\n]+\n$/);
  t.true(result.stderr.includes(notTar), result.stderr);
  t.deepEqual(records(parseJson((await layerctl(['images', '--json'])).stdout)), []);
});

test('importing a missing file fails with one line naming it', async (t) => {
  const dir = scratchDir(t);
  const missing = path.join(dir, 'missing.tar');
  const result = await inRoot(path.join(dir, 'root'))(['import', missing, 'x']);
  t.is(result.code, 1);
  t.is(result.stderr, `layerctl: open ${missing}: ENOENT\n`);
});

test('gc removes nothing while every blob is referenced, and its --json parses', async (t) => {
  const layerctl = inRoot(scratchDir(t));
  await layerctl(['import', busyboxTar(), 'busybox']);
  const report = parseJson((await layerctl(['gc', '--json'])).stdout);
  t.like(report, { removedBlobs: 0, freedBytes: 0 });
  const text = await layerctl(['gc']);
  t.is(text.stdout, 'removed 0 blobs, freed 0B\n');
});
