import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { busyboxTarForFile } from './busybox-tar.ts';
import { parseJson, records } from './json-output.ts';
import { inRoot } from './run-layerctl.ts';

const busyboxTar = busyboxTarForFile(test);

/** A root holding busybox:latest imported from the fixture, and a second, empty root. */
async function twoRoots(t: ExecutionContext) {
  const dir = scratchDir(t);
  const first = inRoot(path.join(dir, 'first'));
  const second = inRoot(path.join(dir, 'second'));
  const imported = await first(['import', busyboxTar(), 'busybox:latest']);
  t.is(imported.code, 0, imported.stderr);
  return { dir, first, second };
}

/** The image id and DiffIDs `inspect` reports. */
async function identity(layerctl: ReturnType<typeof inRoot>, ref: string) {
  const result = await layerctl(['inspect', ref]);
  const [image] = records(parseJson(result.stdout));
  const rootfs = image?.['RootFS'];
  return { id: image?.['Id'], diffIds: typeof rootfs === 'object' && rootfs !== null && 'Layers' in rootfs ? rootfs.Layers : undefined };
}

const archives = [
  { format: 'oci', compression: undefined },
  { format: 'oci', compression: 'gzip' },
  { format: 'oci', compression: 'none' },
  { format: 'docker', compression: undefined },
  { format: 'docker', compression: 'gzip' },
  { format: 'docker', compression: 'zstd' },
] as const;

const FORMAT_NAMES = { oci: 'an OCI', docker: 'a Docker' } as const;
const LAYER_NAMES = { default: 'default', none: 'uncompressed', gzip: 'gzip', zstd: 'zstd' } as const;

for (const { format, compression } of archives) {
  const title = `${FORMAT_NAMES[format]} archive with ${LAYER_NAMES[compression ?? 'default']} layers loads back as the same image with the same DiffIDs`;
  test(title, async (t) => {
    const { dir, first, second } = await twoRoots(t);
    const archive = path.join(dir, `busybox-${format}.tar`);
    const saved = await first(['save', 'busybox:latest', '-o', archive, '--format', format, ...(compression === undefined ? [] : ['--compression', compression])]);
    t.is(saved.code, 0, saved.stderr);
    t.is(saved.stdout, '');
    t.true(fs.statSync(archive).size > 0);

    const loaded = await second(['load', '-i', archive]);
    t.is(loaded.code, 0, loaded.stderr);
    t.is(loaded.stdout, 'Loaded image: busybox:latest\n');
    t.deepEqual(await identity(second, 'busybox:latest'), await identity(first, 'busybox:latest'));
  });
}

test('save without -o writes the archive to stdout, and load without -i reads it from stdin', async (t) => {
  const { dir, first, second } = await twoRoots(t);
  const archive = path.join(dir, 'piped.tar');
  const saved = await first(['save', 'busybox'], { stdoutFile: archive });
  t.is(saved.code, 0, saved.stderr);
  const loaded = await second(['load'], { stdinFile: archive });
  t.is(loaded.code, 0, loaded.stderr);
  t.is(loaded.stdout, 'Loaded image: busybox:latest\n');
  t.deepEqual(await identity(second, 'busybox'), await identity(first, 'busybox'));
});

test('save of an unknown image fails with one line naming it and writes no archive', async (t) => {
  const { dir, first } = await twoRoots(t);
  const archive = path.join(dir, 'never.tar');
  const result = await first(['save', 'no-such-image', '-o', archive]);
  t.is(result.code, 1);
  t.regex(result.stderr, /^layerctl: [^\n]*no-such-image[^\n]*\n$/);
  t.false(fs.existsSync(archive));
});

test('load of a tar that is no image archive fails with one line naming the file and loads nothing', async (t) => {
  const { second } = await twoRoots(t);
  const result = await second(['load', '-i', busyboxTar()]);
  t.is(result.code, 1);
  t.regex(result.stderr, /^layerctl: [^\n]+\n$/);
  t.true(result.stderr.includes(busyboxTar()), result.stderr);
  t.deepEqual(records(parseJson((await second(['images', '--json'])).stdout)), []);
});

test('save into a missing directory fails with one line naming the output', async (t) => {
  const { dir, first } = await twoRoots(t);
  const output = path.join(dir, 'missing', 'busybox.tar');
  const result = await first(['save', 'busybox', '-o', output]);
  t.is(result.code, 1);
  t.is(result.stderr, `layerctl: save: cannot write ${output}: ENOENT (no such directory)\n`);
});

test('save over a directory fails with one line naming it and leaves no partial file', async (t) => {
  const { dir, first } = await twoRoots(t);
  const output = path.join(dir, 'out');
  fs.mkdirSync(output);
  const before = fs.readdirSync(dir);
  const result = await first(['save', 'busybox', '-o', output]);
  t.is(result.code, 1);
  t.is(result.stderr, `layerctl: save: cannot write ${output}: EISDIR (it is a directory)\n`);
  t.deepEqual(fs.readdirSync(dir), before);
  t.deepEqual(fs.readdirSync(output), []);
});

test('load of a missing file fails with one line naming it', async (t) => {
  const { dir, second } = await twoRoots(t);
  const missing = path.join(dir, 'missing.tar');
  const result = await second(['load', '-i', missing]);
  t.is(result.code, 1);
  t.is(result.stderr, `layerctl: open ${missing}: ENOENT\n`);
});
