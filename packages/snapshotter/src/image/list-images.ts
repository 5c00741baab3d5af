import type { Digest } from '../content/digest.ts';
import type { Root } from '../root.ts';
import { readImage } from './image-documents.ts';
import { ImageStore, isDangling, type ImageRecord } from './image-store.ts';
import { familiarRepository, splitName } from './reference.ts';

/** One line of `layerctl images`. */
export interface ImageSummary {
  /** The repository in the familiar form Docker shows ("busybox"), or "<none>" for a dangling image. */
  name: string;
  /** The tag, or "<none>". */
  tag: string;
  /** The image id: the config digest. */
  id: Digest;
  manifestDigest: Digest;
  /** The config's created time (RFC 3339) or, when it has none, when the name was recorded. */
  created: string;
  /** Bytes in the content store: the config plus every layer blob as stored (compressed). */
  size: number;
}

/** Shown for the name and tag of an image that has none. */
export const NONE = '<none>';

/** Every named and dangling image, newest first. */
export async function listImages(root: Root): Promise<ImageSummary[]> {
  const records = new ImageStore(root.metadata).list();
  const summaries = await Promise.all(records.map((record) => summarizeImage(root, record)));
  return summaries.sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name) || a.tag.localeCompare(b.tag));
}

export async function summarizeImage(root: Root, record: ImageRecord): Promise<ImageSummary> {
  const { manifest, config } = await readImage(root.content, record.manifestDigest);
  const { repository, tag } = isDangling(record.name) ? { repository: NONE, tag: NONE } : splitName(record.name);
  return {
    name: repository === NONE ? NONE : familiarRepository(repository),
    tag,
    id: record.configDigest,
    manifestDigest: record.manifestDigest,
    created: config.created ?? new Date(record.createdAt).toISOString(),
    size: manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}
