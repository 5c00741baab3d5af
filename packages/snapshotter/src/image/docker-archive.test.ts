import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { COMPRESSIONS } from '../archive/compression.ts';
import { packTree } from '../archive/pack-tree.ts';
import { sha256Digest } from '../content/digest.ts';
import { collect } from '../testing/byte-streams.ts';
import { inspectImage } from './inspect-image.ts';
import { loadArchive } from './load-archive.ts';
import { saveImages } from './save-images.ts';
import { importTestImage, makeTree, readArchiveFiles, scratchRoot, writeArchiveFiles } from './test-images.ts';

for (const compression of COMPRESSIONS) {
  test(`a docker save without index.json (as skopeo writes) loads through manifest.json, layers ${compression}`, async (t) => {
    const scratch = scratchRoot(t);
    await importTestImage(scratch, 'app:1');
    const before = await inspectImage(scratch.root, 'app:1');
    const saved = path.join(scratch.work, 'saved.tar');
    await saveImages(scratch.root, ['app:1'], saved, { format: 'docker', compression });
    const files = await readArchiveFiles(saved);
    files.delete('index.json');
    files.delete('oci-layout');
    const manifestOnly = path.join(scratch.work, 'manifest-only.tar');
    await writeArchiveFiles(manifestOnly, files);

    const { root } = scratchRoot(t);
    t.deepEqual(await loadArchive(root, fs.createReadStream(manifestOnly)), { loaded: ['app:1'] });
    const after = await inspectImage(root, 'app:1');
    t.is(after.id, before.id);
    t.deepEqual(after.layers.map((layer) => layer.diffId), before.layers.map((layer) => layer.diffId));
    // Kept as the archive had it, not re-encoded.
    t.deepEqual(after.layers.map((layer) => layer.compression), [compression]);
  });
}

test('an old-layout docker save (<id>/layer.tar, <hex>.json, a symlinked repeated layer) loads', async (t) => {
  const scratch = scratchRoot(t);
  const tar = await collect(packTree(makeTree(path.join(scratch.work, 'tree'), 'legacy')));
  const diffId = sha256Digest(tar);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId, diffId] }, config: { Cmd: ['sh'] } }),
  );
  const configHex = sha256Digest(config).slice(7);
  const [first, second] = ['a'.repeat(64), 'b'.repeat(64)];
  const archive = path.join(scratch.work, 'legacy.tar');
  await writeArchiveFiles(archive, [
    [`${first}/VERSION`, Buffer.from('1.0')],
    [`${first}/json`, Buffer.from(JSON.stringify({ id: first }))],
    [`${first}/layer.tar`, tar],
    [`${second}/VERSION`, Buffer.from('1.0')],
    [`${second}/json`, Buffer.from(JSON.stringify({ id: second, parent: first }))],
    [`${second}/layer.tar`, { link: `../${first}/layer.tar` }],
    [`${configHex}.json`, config],
    ['manifest.json', Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['old:1'], Layers: [`${first}/layer.tar`, `${second}/layer.tar`] }]))],
    ['repositories', Buffer.from(JSON.stringify({ old: { 1: second } }))],
  ]);
  t.deepEqual(await loadArchive(scratch.root, fs.createReadStream(archive)), { loaded: ['old:1'] });
  const details = await inspectImage(scratch.root, 'old:1');
  t.is(details.id, `sha256:${configHex}`);
  t.deepEqual(details.layers.map((layer) => [layer.diffId, layer.digest, layer.compression]), [
    [diffId, diffId, 'none'],
    [diffId, diffId, 'none'],
  ]);
  t.deepEqual(details.config.config, { Cmd: ['sh'] });
});
