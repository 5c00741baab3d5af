import { setTimeout } from 'node:timers/promises';
import test from 'ava';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { inspectImage } from './inspect-image.ts';
import { imageHistory } from './image-history.ts';
import { listImages, NONE } from './list-images.ts';
import { removeImage } from './remove-image.ts';
import { tagImage } from './tag-image.ts';
import { importTestImage, scratchRoot } from './test-images.ts';
import { IMPORT_CREATED_BY } from './import-rootfs.ts';

test('an imported image is listed under its familiar name with its id and size', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'busybox');
  t.like(summary, { name: 'busybox', tag: 'latest', created: '2024-05-01T12:00:00.000Z' });
  t.true(summary.size > 0);
  t.deepEqual(await listImages(scratch.root), [summary]);
});

test('inspect shows the names, the layer with its DiffID and ChainID, and the config', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'ghcr.io/org/app:v1');
  const details = await inspectImage(scratch.root, 'ghcr.io/org/app:v1');
  t.is(details.id, summary.id);
  t.deepEqual(details.repoTags, ['ghcr.io/org/app:v1']);
  t.is(details.layers.length, 1);
  const [layer] = details.layers;
  t.is(layer?.chainId, layer?.diffId);
  t.is(layer?.compression, 'zstd');
  t.deepEqual(details.config.rootfs.diff_ids, [layer?.diffId]);
  t.is(details.config.os, 'linux');
});

test('history lists the import step with its layer', async (t) => {
  const scratch = scratchRoot(t);
  await importTestImage(scratch, 'busybox');
  const history = await imageHistory(scratch.root, 'busybox');
  t.is(history.length, 1);
  t.like(history[0], { createdBy: IMPORT_CREATED_BY, emptyLayer: false });
});

test('a tag names the same image; the id, a prefix and name@digest resolve to it too', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'busybox');
  t.is(tagImage(scratch.root, 'busybox', 'mine:v2'), 'docker.io/library/mine:v2');
  t.is(tagImage(scratch.root, summary.id.slice(7, 19), 'docker.io/library/other'), 'docker.io/library/other:latest');
  const details = await inspectImage(scratch.root, summary.id);
  t.deepEqual(details.repoTags.sort(), ['busybox:latest', 'mine:v2', 'other:latest']);
  t.is((await inspectImage(scratch.root, `busybox@${summary.manifestDigest}`)).id, summary.id);
  t.is((await inspectImage(scratch.root, summary.id.slice(0, 20))).id, summary.id);
});

test('resolving an unknown name fails with NotFoundError, an ambiguous prefix with InvalidArgumentError', async (t) => {
  const scratch = scratchRoot(t);
  await t.throwsAsync(inspectImage(scratch.root, 'three'), { instanceOf: NotFoundError, message: 'image three: not found' });
  // Two of any 17 ids share their first hex digit.
  const firstDigits = new Set<string>();
  let shared: string | undefined;
  for (let i = 0; shared === undefined; i++) {
    const digit = (await importTestImage(scratch, `image${i}`)).id.slice(7, 8);
    if (firstDigits.has(digit)) shared = digit;
    firstDigits.add(digit);
  }
  await t.throwsAsync(inspectImage(scratch.root, `sha256:${shared}`), { instanceOf: InvalidArgumentError, message: /ambiguous/ });
  t.throws(() => tagImage(scratch.root, 'image0', 'Bad:Name'), { instanceOf: InvalidArgumentError });
});

test('rmi of one name of an image with several only untags it', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'busybox');
  tagImage(scratch.root, 'busybox', 'copy');
  const blobs = scratch.root.content.list().length;
  t.deepEqual(await removeImage(scratch.root, 'busybox'), { untagged: ['docker.io/library/busybox:latest'], deleted: [] });
  t.is(scratch.root.content.list().length, blobs);
  t.deepEqual((await inspectImage(scratch.root, summary.id)).repoTags, ['copy:latest']);
});

test('rmi of the last name removes the image and the blobs only it used', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'busybox');
  const kept = await importTestImage(scratch, 'other');
  // The sweep spares blobs changed in its last 50 ms (gc.ts, CLOCK_SLACK_MS): as a concurrent
  // import's would be. Imports here can be quicker than that.
  await setTimeout(100);
  const result = await removeImage(scratch.root, 'busybox:latest');
  t.deepEqual(result.untagged, ['docker.io/library/busybox:latest']);
  t.is(result.deleted[0], summary.id);
  t.true(result.deleted.includes(summary.manifestDigest));
  t.false(scratch.root.content.has(summary.manifestDigest));
  t.false(scratch.root.content.has(summary.id));
  t.deepEqual((await listImages(scratch.root)).map((image) => image.name), ['other']);
  t.true(scratch.root.content.has(kept.manifestDigest));
});

test('rmi by id of an image with several names is refused unless forced', async (t) => {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'busybox');
  tagImage(scratch.root, 'busybox', 'copy');
  await t.throwsAsync(removeImage(scratch.root, summary.id), { instanceOf: FailedPreconditionError, message: /several names/ });
  const forced = await removeImage(scratch.root, summary.id.slice(7, 17), { force: true });
  t.deepEqual(forced.untagged.sort(), ['docker.io/library/busybox:latest', 'docker.io/library/copy:latest']);
  t.is(forced.deleted[0], summary.id);
  t.deepEqual(await listImages(scratch.root), []);
});

test('a name moved to another image leaves the old one dangling, and rmi by id removes it', async (t) => {
  const scratch = scratchRoot(t);
  const first = await importTestImage(scratch, 'app', 'first');
  const second = await importTestImage(scratch, 'app', 'second');
  t.not(first.id, second.id);
  const listed = await listImages(scratch.root);
  t.deepEqual(listed.map((image) => [image.name, image.tag, image.id]).sort(), [
    [NONE, NONE, first.id],
    ['app', 'latest', second.id],
  ].sort());
  const removed = await removeImage(scratch.root, first.id);
  t.deepEqual(removed.untagged, []);
  t.is(removed.deleted[0], first.id);
  t.deepEqual((await listImages(scratch.root)).map((image) => image.id), [second.id]);
});

test('naming a dangling image ends its dangling entry', async (t) => {
  const scratch = scratchRoot(t);
  const first = await importTestImage(scratch, 'app', 'first');
  await importTestImage(scratch, 'app', 'second');
  tagImage(scratch.root, first.id, 'app:old');
  const listed = await listImages(scratch.root);
  t.deepEqual(listed.map((image) => `${image.name}:${image.tag}`).sort(), ['app:latest', 'app:old']);
});
