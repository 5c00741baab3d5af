import type { ImageDetails } from '@layerctl/snapshotter';

/**
 * One image as `layerctl inspect` prints it: docker inspect's keys where they mean the same
 * (Id, RepoTags, Created, Config, RootFS.Layers are DiffIDs), then what layerctl adds: the
 * manifest and each layer's blob. Size is the stored size, as `images` shows it.
 */
export function inspectDocument(image: ImageDetails) {
  const { config } = image;
  return {
    Id: image.id,
    RepoTags: image.repoTags,
    Created: config.created ?? '',
    Author: config.author ?? '',
    Architecture: config.architecture,
    ...(config.variant === undefined ? {} : { Variant: config.variant }),
    Os: config.os,
    Config: config.config ?? {},
    Size: image.layers.reduce((sum, layer) => sum + layer.size, 0),
    RootFS: { Type: config.rootfs.type, Layers: config.rootfs.diff_ids },
    Manifest: { Digest: image.manifestDigest, MediaType: image.mediaType },
    Layers: image.layers.map((layer) => ({
      DiffID: layer.diffId,
      ChainID: layer.chainId,
      Digest: layer.digest,
      Size: layer.size,
      MediaType: layer.mediaType,
      Compression: layer.compression,
    })),
  };
}
