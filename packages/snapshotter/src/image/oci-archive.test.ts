import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { sha256Digest, type Digest } from '../content/digest.ts';
import type { Root } from '../root.ts';
import { validateImageIndex } from './image-index.ts';
import { inspectImage } from './inspect-image.ts';
import { listImages, NONE } from './list-images.ts';
import { loadArchive } from './load-archive.ts';
import { OCI_INDEX } from './media-types.ts';
import { hostPlatform } from './platform.ts';
import { saveImages } from './save-images.ts';
import { importTestImage, jsonOf, readArchiveFiles, scratchRoot, writeArchiveFiles } from './test-images.ts';

/** Saves one image as OCI, lets `reshape` rewrite index.json (it may add blobs), and loads the result into a fresh root. */
async function reshaped(
  t: ExecutionContext,
  reshape: (manifest: Record<string, unknown>, files: Map<string, Buffer>) => unknown,
): Promise<{ loaded: string[]; id: Digest; root: Root }> {
  const scratch = scratchRoot(t);
  const summary = await importTestImage(scratch, 'app');
  const file = path.join(scratch.work, 'saved.tar');
  await saveImages(scratch.root, ['app'], file, { format: 'oci' });
  const files = await readArchiveFiles(file);
  const [entry] = validateImageIndex(jsonOf(files, 'index.json'), 'index.json').manifests;
  const plain = { mediaType: entry?.mediaType, digest: entry?.digest, size: entry?.size };
  files.set('index.json', Buffer.from(JSON.stringify(reshape(plain, files))));
  const out = path.join(scratch.work, 'reshaped.tar');
  await writeArchiveFiles(out, files);
  const { root } = scratchRoot(t);
  const { loaded } = await loadArchive(root, fs.createReadStream(out));
  return { loaded, id: summary.id, root };
}

function putJson(files: Map<string, Buffer>, document: unknown): { digest: string; size: number } {
  const bytes = Buffer.from(JSON.stringify(document));
  const digest = sha256Digest(bytes);
  files.set(`blobs/sha256/${digest.slice(7)}`, bytes);
  return { digest, size: bytes.length };
}

test('a nested index gives the manifest for this machine, under the name on the outer entry', async (t) => {
  const { loaded, id, root } = await reshaped(t, (manifest, files) => {
    const other = { ...manifest, digest: `sha256:${'e'.repeat(64)}`, platform: { os: 'linux', architecture: 'sparc' } };
    const nested = putJson(files, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [other, { ...manifest, platform: hostPlatform() }] });
    return {
      schemaVersion: 2,
      manifests: [{ mediaType: OCI_INDEX, ...nested, annotations: { 'io.containerd.image.name': 'docker.io/library/multi:arch' } }],
    };
  });
  t.deepEqual(loaded, ['multi:arch']);
  t.is((await inspectImage(root, 'multi:arch')).id, id);
});

test('a ref.name that is a whole reference names the image, as skopeo writes it', async (t) => {
  const { loaded } = await reshaped(t, (manifest) => ({
    schemaVersion: 2,
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'ghcr.io/me/tool:3' } }],
  }));
  t.deepEqual(loaded, ['ghcr.io/me/tool:3']);
});

test('a ref.name that is only a tag names nothing; the image loads dangling', async (t) => {
  const { loaded, id, root } = await reshaped(t, (manifest) => ({
    schemaVersion: 2,
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  t.deepEqual(loaded, [id]);
  t.like((await listImages(root))[0], { name: NONE, id });
});
