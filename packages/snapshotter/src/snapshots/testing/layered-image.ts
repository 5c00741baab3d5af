import { writeLayerBlob } from '../../archive/layer-blob.ts';
import { tarHeader, writeTar, type TarInput } from '../../archive/tar/index.ts';
import { WHITEOUT_PREFIX } from '../../archive/whiteout.ts';
import type { Digest } from '../../content/digest.ts';
import type { Descriptor } from '../../image/descriptor.ts';
import { chainIds } from '../../image/chain-id.ts';
import type { ImageConfig } from '../../image/image-config.ts';
import { storeDocument } from '../../image/image-documents.ts';
import { ImageStore } from '../../image/image-store.ts';
import type { ImageManifest } from '../../image/manifest.ts';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../image/media-types.ts';
import { hostPlatform } from '../../image/platform.ts';
import { openLease } from '../../metadata/leases.ts';
import type { Root } from '../../root.ts';

/** Test helpers: images of several layers, each layer a few files and whiteouts at the top level. */

/** A layer: file name → content, or `null` for a whiteout of that name. */
export type TestLayer = Record<string, string | null>;

export interface StoredTestImage {
  name: string;
  manifestDigest: Digest;
  /** The DiffIDs the config lists (as given by `diffIds`, when the test lies about one). */
  diffIds: Digest[];
  chainIds: Digest[];
}

/**
 * Stores the layers as gzip blobs and records image `name` ("docker.io/library/x:latest" form)
 * for them. `lies` replaces the config's DiffID of layer i, to make an image whose config does not
 * match its layers.
 */
export async function storeTestImage(root: Root, name: string, layers: TestLayer[], lies: Map<number, Digest> = new Map()): Promise<StoredTestImage> {
  const lease = openLease(root.metadata);
  try {
    const descriptors: Descriptor[] = [];
    const diffIds: Digest[] = [];
    for (const [i, layer] of layers.entries()) {
      const blob = await writeLayerBlob(root.content, writeTar(layerEntries(layer)), 'gzip');
      lease.addBlob(blob.digest);
      descriptors.push({ mediaType: OCI_LAYER_GZIP, digest: blob.digest, size: blob.size });
      diffIds.push(lies.get(i) ?? blob.diffId);
    }
    const imageConfig: ImageConfig = { ...hostPlatform(), rootfs: { type: 'layers', diff_ids: diffIds } };
    const config = await storeDocument(root.content, lease, OCI_CONFIG, imageConfig);
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: descriptors };
    const stored = await storeDocument(root.content, lease, OCI_MANIFEST, manifest);
    root.metadata.write((db) => ImageStore.record(db, { name, manifestDigest: stored.digest, configDigest: config.digest, createdAt: Date.now() }));
    return { name, manifestDigest: stored.digest, diffIds, chainIds: chainIds(diffIds) };
  } finally {
    lease.release();
  }
}

function layerEntries(layer: TestLayer): TarInput[] {
  return Object.entries(layer).map(([file, content]) =>
    content === null
      ? { header: tarHeader({ name: `${WHITEOUT_PREFIX}${file}`, type: 'file', mode: 0o644 }), body: Buffer.alloc(0) }
      : { header: tarHeader({ name: file, type: 'file', mode: 0o644, size: Buffer.byteLength(content) }), body: Buffer.from(content) },
  );
}
