import type { Digest } from '../content/digest.ts';
import type { Root } from '../root.ts';
import { chainIds } from './chain-id.ts';
import type { ImageConfig } from './image-config.ts';
import { readImage } from './image-documents.ts';
import { ImageStore, isDangling } from './image-store.ts';
import { layerCompression } from './media-types.ts';
import { familiarName } from './reference.ts';
import type { Compression } from '../archive/compression.ts';

/** What `layerctl inspect` shows of one image. */
export interface ImageDetails {
  id: Digest;
  /** Every name of this image id, in the familiar form ("busybox:latest"). */
  repoTags: string[];
  manifestDigest: Digest;
  mediaType: string;
  config: ImageConfig;
  layers: LayerDetails[];
}

export interface LayerDetails {
  /** sha256 of the uncompressed tar. */
  diffId: Digest;
  /** Names the layer together with all layers below it. */
  chainId: Digest;
  /** sha256 of the blob as stored. */
  digest: Digest;
  size: number;
  mediaType: string;
  compression: Compression;
}

export async function inspectImage(root: Root, ref: string): Promise<ImageDetails> {
  const resolved = new ImageStore(root.metadata).resolve(ref);
  const { manifest, config, layers } = await readImage(root.content, resolved.record.manifestDigest);
  const chains = chainIds(layers.map((layer) => layer.diffId));
  return {
    id: resolved.id,
    repoTags: resolved.records.filter((r) => !isDangling(r.name)).map((r) => familiarName(r.name)),
    manifestDigest: resolved.record.manifestDigest,
    mediaType: manifest.mediaType,
    config,
    layers: layers.map(({ descriptor, diffId }, i) => ({
      diffId,
      chainId: chains[i] ?? diffId,
      digest: descriptor.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
      compression: layerCompression(descriptor.mediaType),
    })),
  };
}
