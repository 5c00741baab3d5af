import {
  ImageStore,
  OCI_CONFIG,
  OCI_MANIFEST,
  normalizeName,
  storeDocument,
  type Digest,
  type ImageManifest,
  type Lease,
  type Root,
} from '@layerctl/snapshotter';
import type { BuildImageConfig, BuiltLayer } from './build-config.ts';

export interface StoredBuild {
  /** The image id: the config's digest. */
  imageId: Digest;
  manifestDigest: Digest;
  /** The names recorded, fully spelled. */
  names: string[];
}

/**
 * Writes the image config and manifest of a finished build and records `tags` (none: the image
 * is recorded as dangling, as `docker build` without -t). The config is built field by field in a
 * fixed order, so the same build always gives the same bytes and so the same image id. The lease
 * passes its blobs to the image rows in the transaction that records them.
 */
export async function storeBuiltImage(root: Root, lease: Lease, built: { config: BuildImageConfig; layers: BuiltLayer[] }, tags: readonly string[]): Promise<StoredBuild> {
  const names = tags.map(normalizeName);
  const { created, config: containerConfig, rootfs, history, ...platform } = built.config;
  const document = { ...platform, created: history.at(-1)?.created ?? created, config: containerConfig, rootfs, history };
  const config = await storeDocument(root.content, lease, OCI_CONFIG, document);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: built.layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
  };
  const stored = await storeDocument(root.content, lease, OCI_MANIFEST, manifest);
  const createdAt = Date.now();
  root.metadata.write((db) => {
    for (const name of names) ImageStore.record(db, { name, manifestDigest: stored.digest, configDigest: config.digest, createdAt });
    if (names.length === 0) ImageStore.recordUnnamed(db, stored.digest, config.digest, createdAt);
    lease.releaseIn(db);
  });
  return { imageId: config.digest, manifestDigest: stored.digest, names };
}
