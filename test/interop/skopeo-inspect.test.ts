/**
 * skopeo (containers/image) reads what `layerctl save` writes: OCI layout archives in each layer
 * compression and docker save archives. Each case checks what skopeo says against what we
 * wrote and against digests taken by tools other than ours (sha256 of the bytes, zstd(1) and
 * gzip(1) for DiffIDs).
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { COMPRESSIONS, hostPlatform, importRootfs, inspectImage, layerMediaType, packTree, saveImages } from '@layerctl/snapshotter';
import { runTool } from './external-tool.ts';
import { parseJson, sha256, sha256File, TAG, TREE_REF, treeImageScene, uncompressedDigest, untarLayout } from './interop-images.ts';

/** skopeo with its scratch (oci-archive unpacks to $TMPDIR) inside the test's own. */
function skopeo(scratch: string, args: string[]): Promise<string> {
  return runTool('skopeo', args, { tmpDir: scratch });
}

for (const compression of COMPRESSIONS) {
  test(`skopeo inspect accepts our OCI archive with ${compression} layers: same manifest, config, layers and platform`, async (t) => {
    const { scratch, root, image } = await treeImageScene(t);
    const archive = path.join(scratch, `oci-${compression}.tar`);
    await saveImages(root, [TREE_REF], archive, { format: 'oci', compression });
    const layout = await untarLayout(archive, path.join(scratch, 'layout'));
    const { manifestDigest } = layout;
    const source = `oci-archive:${archive}:${TAG}`;

    t.like(parseJson(await skopeo(scratch, ['inspect', source]), 'skopeo inspect'), {
      Digest: manifestDigest,
      Architecture: hostPlatform().architecture,
      Os: hostPlatform().os,
      Layers: layout.manifest.layers.map((layer) => layer.digest),
    });
    // skopeo reads the bytes we wrote: the manifest and the config hash to the names we gave them.
    t.is(sha256(await skopeo(scratch, ['inspect', '--raw', source])), manifestDigest);
    const config = await skopeo(scratch, ['inspect', '--config', '--raw', source]);
    t.is(sha256(config), image.id);
    t.is(config, fs.readFileSync(root.content.path(image.id), 'utf8'));
    // Each layer is in the compression asked for, and zstd(1)/gzip(1), not our code, decompress it to its DiffID.
    t.deepEqual(
      layout.manifest.layers.map((layer) => layer.mediaType),
      image.layers.map(() => layerMediaType(compression)),
    );
    const diffIds: string[] = [];
    for (const layer of layout.manifest.layers) {
      t.is(await sha256File(layout.blobPath(layer.digest)), layer.digest);
      diffIds.push(await uncompressedDigest(layout.blobPath(layer.digest), compression));
    }
    t.deepEqual(diffIds, image.layers.map((layer) => layer.diffId));
  });

  test(`skopeo inspect accepts our docker archive with ${compression} layers, and skopeo copy reads every blob of it`, async (t) => {
    const { scratch, root, image } = await treeImageScene(t);
    const archive = path.join(scratch, `docker-${compression}.tar`);
    await saveImages(root, [TREE_REF], archive, { format: 'docker', compression });
    const source = `docker-archive:${archive}`;

    // skopeo names a docker archive's layers by their DiffIDs, whatever their compression.
    t.like(parseJson(await skopeo(scratch, ['inspect', source]), 'skopeo inspect'), {
      Architecture: hostPlatform().architecture,
      Os: hostPlatform().os,
      Layers: image.layers.map((layer) => layer.diffId),
    });
    t.is(sha256(await skopeo(scratch, ['inspect', '--config', '--raw', source])), image.id);
    // inspect reads only the JSON; a copy reads every blob and checks it against its digest.
    const copy = path.join(scratch, 'copy');
    await skopeo(scratch, ['copy', '--insecure-policy', source, `dir:${copy}`]);
    t.is(await sha256File(path.join(copy, image.id.slice('sha256:'.length))), image.id);
  });
}

test('skopeo finds each image of a multi-image OCI archive by its tag', async (t) => {
  const { scratch, root, tree, image } = await treeImageScene(t);
  // Tags, not names, address images in a layout (ref.name holds the tag), so the two differ.
  const otherRef = 'interop/other:v2';
  await importRootfs(root, packTree(path.join(tree, 'etc')), otherRef);
  const other = await inspectImage(root, otherRef);
  const archive = path.join(scratch, 'two-images.tar');
  await saveImages(root, [TREE_REF, otherRef], archive, { format: 'oci', compression: 'gzip' });
  t.is(sha256(await skopeo(scratch, ['inspect', '--config', '--raw', `oci-archive:${archive}:${TAG}`])), image.id);
  t.is(sha256(await skopeo(scratch, ['inspect', '--config', '--raw', `oci-archive:${archive}:v2`])), other.id);
});
