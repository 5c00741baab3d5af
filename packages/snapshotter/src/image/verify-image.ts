import { DigestMismatchError, InvalidArgumentError } from '@layerctl/sys';
import type { Digest } from '../content/digest.ts';
import { readStoredLayer } from '../read-stored-layer.ts';
import type { Root } from '../root.ts';
import type { ArchiveFiles } from './archive-files.ts';
import type { Descriptor } from './descriptor.ts';
import { readImage, type StoredImage, type StoredLayer } from './image-documents.ts';
import { layerCompression } from './media-types.ts';
import { digestOfStream } from './uncompressed-digest.ts';

/**
 * Checks an image that a load put in the store before any name points at it: the manifest, its
 * config and every layer are there with the sizes the descriptors state, the documents validate,
 * and each layer decompresses to the DiffID the config lists.
 */
export async function verifyImage(root: Root, files: ArchiveFiles, manifest: Descriptor): Promise<StoredImage> {
  checkBlob(root, files, manifest, 'manifest');
  const image = await files.named(() => readImage(root.content, manifest.digest));
  checkBlob(root, files, image.manifest.config, 'config');
  await verifyLayers(root, files, image.layers);
  return image;
}

/**
 * DiffIDs come from the pass that stored the archive's blobs (ArchiveFiles); a layer that was
 * already in the store and not in the archive is decompressed from the store once to check it.
 */
export async function verifyLayers(root: Root, files: ArchiveFiles, layers: StoredLayer[]): Promise<void> {
  for (const { descriptor, diffId } of layers) {
    checkBlob(root, files, descriptor, 'layer');
    const what = `${files.what}: layer ${descriptor.digest}`;
    const actual = await layerDiffId(root, files, descriptor, what);
    if (actual !== diffId) throw new DigestMismatchError(`${what}: its uncompressed tar (the config's rootfs.diff_ids entry)`, diffId, actual);
  }
}

async function layerDiffId(root: Root, files: ArchiveFiles, layer: Descriptor, what: string): Promise<Digest> {
  const blob = files.blob(layer.digest);
  if (blob === undefined) return readStoredLayer(root, layer.digest, what, digestOfStream);
  const announced = layerCompression(layer.mediaType, what);
  if (blob.compression !== announced) {
    throw new InvalidArgumentError(`${what}: media type ${layer.mediaType} says ${announced}, but the blob is ${blob.compression}`);
  }
  if ('failure' in blob.uncompressed) {
    const { failure } = blob.uncompressed;
    const reason = failure instanceof Error ? failure.message : String(failure);
    throw new InvalidArgumentError(`${what}: cannot be decompressed as ${blob.compression}: ${reason}`, { cause: failure });
  }
  return blob.uncompressed.digest;
}

/** The blob is in the store with the size its descriptor states. */
export function checkBlob(root: Root, files: ArchiveFiles, descriptor: Descriptor, kind: string): void {
  const what = `${files.what}: ${kind} ${descriptor.digest}`;
  if (!root.content.has(descriptor.digest)) throw new InvalidArgumentError(`${what} is not in the archive`);
  const { size } = root.content.stat(descriptor.digest);
  if (size !== descriptor.size) throw new InvalidArgumentError(`${what}: the descriptor says ${descriptor.size} bytes, the blob has ${size}`);
}
