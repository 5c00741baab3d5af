import { ImageStore, readImage, type Root } from '@layerctl/snapshotter';
import type { BuildImageConfig, BuiltLayer } from './build-config.ts';

/** A stage's starting point: an image from the store, or nothing (`FROM scratch`). */
export interface BaseImage {
  /** The image id (config digest), or 'scratch'. */
  id: string;
  /** The name or id it was found by, to unpack it. */
  ref: string | undefined;
  config: BuildImageConfig;
  layers: BuiltLayer[];
}

/** Docker's name for the empty image. */
export const SCRATCH = 'scratch';

/** The config a build from scratch starts with. */
export function scratchBase(platform: { architecture: string; os: string }): BaseImage {
  return { id: SCRATCH, ref: undefined, config: { ...platform, config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [] };
}

/**
 * Reads the image `ref` names from the store. The builder fetches nothing: a name the store lacks
 * is an error saying how to get it in.
 */
export async function loadBaseImage(root: Root, ref: string): Promise<BaseImage> {
  const resolved = new ImageStore(root.metadata).resolve(ref);
  const image = await readImage(root.content, resolved.record.manifestDigest);
  return {
    id: resolved.id,
    ref,
    config: { ...image.config, config: image.config.config ?? {}, history: image.config.history ?? [] },
    layers: image.layers.map((layer) => ({
      diffId: layer.diffId,
      digest: layer.descriptor.digest,
      size: layer.descriptor.size,
      mediaType: layer.descriptor.mediaType,
    })),
  };
}

