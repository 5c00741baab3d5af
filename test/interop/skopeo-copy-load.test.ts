/**
 * Images that skopeo copies out of our OCI archives load back into layerctl as the same image.
 *
 * - into a docker-archive: skopeo converts the manifest to Docker schema 2 and writes each layer
 *   uncompressed as <DiffID>.tar (with <id>/layer.tar symlinks to it). The config blob is copied
 *   byte for byte in that direction (only docker → OCI re-encodes it), so the loaded image keeps
 *   not only its DiffIDs but its config digest, which is its image id.
 *   skopeo 1.9.3 cannot make a docker-archive of zstd layers: it refuses the manifest conversion
 *   ("zstd compression is not supported for docker images") even with --dest-compress-format gzip
 *   or --dest-decompress, so that case starts from our gzip and uncompressed archives only.
 * - into an `oci:` layout directory, tarred by GNU tar: zstd and gzip layers stay as they were,
 *   uncompressed ones are gzipped by skopeo (its default); the config is copied unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { COMPRESSIONS, type Compression, inspectImage, type ImageDetails, loadArchive, saveImages } from '@layerctl/snapshotter';
import { runTool } from './external-tool.ts';
import { openTestRoot, TAG, TREE_REF, treeImageScene, untarLayout } from './interop-images.ts';

/** The name skopeo gives the copy; another repository than ours, so the load cannot pass by finding the original. */
const COPY_REF = 'interop/copied:v2';

/** Compressions skopeo can convert into a docker-archive (see above). */
const DOCKER_ARCHIVE_SOURCES: readonly Compression[] = ['gzip', 'none'];

interface Scene {
  scratch: string;
  original: ImageDetails;
  /** Our OCI archive of the tree image. */
  archive: string;
}

/** The interop tree image, saved by us as an OCI archive. */
async function ourOciArchive(t: ExecutionContext, compression: Compression): Promise<Scene> {
  const { scratch, root, image } = await treeImageScene(t);
  const archive = path.join(scratch, `oci-${compression}.tar`);
  await saveImages(root, [TREE_REF], archive, { format: 'oci', compression });
  return { scratch, original: image, archive };
}

/** Loads `file` into a root of its own, as a fresh machine would, and inspects what it names. */
async function loadFresh(t: ExecutionContext, scratch: string, file: string, ref: string): Promise<{ loaded: string[]; image: ImageDetails }> {
  const root = openTestRoot(t, path.join(scratch, 'fresh-root'));
  const { loaded } = await loadArchive(root, fs.createReadStream(file), { what: path.basename(file) });
  return { loaded, image: await inspectImage(root, ref) };
}

function skopeoCopy(scratch: string, from: string, to: string): Promise<string> {
  return runTool('skopeo', ['copy', '--insecure-policy', from, to], { tmpDir: scratch });
}

const diffIds = (image: ImageDetails): string[] => image.layers.map((layer) => layer.diffId);

for (const compression of DOCKER_ARCHIVE_SOURCES) {
  test(`an image skopeo copies from our ${compression} OCI archive into a docker-archive loads back with the same DiffIDs`, async (t) => {
    const { scratch, original, archive } = await ourOciArchive(t, compression);
    const copy = path.join(scratch, 'copy-docker.tar');
    await skopeoCopy(scratch, `oci-archive:${archive}:${TAG}`, `docker-archive:${copy}:${COPY_REF}`);
    const { loaded, image } = await loadFresh(t, scratch, copy, COPY_REF);
    t.deepEqual(loaded, [COPY_REF]);
    t.deepEqual(diffIds(image), diffIds(original));
  });

  test(`skopeo's docker-archive of our ${compression} OCI image, layers as skopeo wrote them, loads with the same config digest (image id)`, async (t) => {
    const { scratch, original, archive } = await ourOciArchive(t, compression);
    const copy = path.join(scratch, 'copy-docker.tar');
    await skopeoCopy(scratch, `oci-archive:${archive}:${TAG}`, `docker-archive:${copy}:${COPY_REF}`);
    // skopeo's layout: uncompressed layers named by DiffID, reached through <id>/layer.tar symlinks.
    const names = (await runTool('tar', ['-tf', copy])).split('\n');
    for (const diffId of diffIds(original)) t.true(names.includes(`${diffId.slice('sha256:'.length)}.tar`), `${diffId}.tar in ${names.join(' ')}`);
    t.true(names.some((name) => name.endsWith('/layer.tar')));
    const { image } = await loadFresh(t, scratch, copy, COPY_REF);
    t.is(image.id, original.id);
    t.deepEqual(image.config, original.config);
    t.deepEqual(
      image.layers.map((layer) => layer.digest),
      diffIds(original),
      'the loaded layers are the uncompressed tars skopeo wrote',
    );
  });
}

for (const compression of COMPRESSIONS) {
  test(`an image skopeo copies from our ${compression} OCI archive into an oci: layout loads back, tarred, with the same DiffIDs and image id`, async (t) => {
    const { scratch, original, archive } = await ourOciArchive(t, compression);
    const layoutDir = path.join(scratch, 'copy-layout');
    await skopeoCopy(scratch, `oci-archive:${archive}:${TAG}`, `oci:${layoutDir}:${COPY_REF}`);
    const tarred = path.join(scratch, 'copy-layout.tar');
    await runTool('tar', ['-C', layoutDir, '-cf', tarred, '.']);
    // skopeo writes the whole reference into ref.name, which is how the load finds the name.
    const { loaded, image } = await loadFresh(t, scratch, tarred, COPY_REF);
    t.deepEqual(loaded, [COPY_REF]);
    t.deepEqual(diffIds(image), diffIds(original));
    t.is(image.id, original.id);
    if (compression === 'none') {
      // skopeo compresses uncompressed layers on the way into a layout (its default); what it made loads too.
      t.deepEqual(image.layers.map((layer) => layer.compression), original.layers.map(() => 'gzip'));
    } else {
      const ours = await untarLayout(archive, path.join(scratch, 'our-layout'));
      t.deepEqual(image.layers.map((layer) => layer.digest), ours.manifest.layers.map((layer) => layer.digest), 'skopeo copies compressed OCI layers unchanged');
    }
  });
}
