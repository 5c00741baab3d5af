import { DigestMismatchError } from '@layerctl/sys';
import type { Compression } from '../archive/compression.ts';
import { writeLayerBlob } from '../archive/layer-blob.ts';
import type { Digest } from '../content/digest.ts';
import type { Lease } from '../metadata/leases.ts';
import { readStoredLayer } from '../read-stored-layer.ts';
import type { Root } from '../root.ts';
import type { Descriptor } from './descriptor.ts';
import { holdBlob } from './hold-blob.ts';
import { readImage, storeDocument, type StoredImage, type StoredLayer } from './image-documents.ts';
import { ImageStore } from './image-store.ts';
import type { ImageManifest } from './manifest.ts';
import { MANIFEST_MEDIA_TYPES, OCI_CONFIG, OCI_MANIFEST, layerCompression, layerMediaType } from './media-types.ts';

/** One image as a save writes it. */
export interface ExportedImage {
  /** The stored names ("docker.io/library/busybox:latest") it is saved under; none when it was named by id. */
  names: string[];
  id: Digest;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

/** What a save writes: the images, and every blob they need, each once. */
export interface ExportSet {
  images: ExportedImage[];
  /** In the order they go into the archive: for each image its config, layers, then manifest. */
  blobs: Digest[];
}

/**
 * Resolves the refs of a save and, when `compression` differs from how a layer is stored, makes the
 * recompressed layer (and then a new OCI manifest for the image): the layer is decompressed and
 * compressed again into the store, its DiffID checked unchanged, and leased for the length of the
 * save. A layer shared by several images is recompressed once. `compression` undefined keeps every
 * layer, and the stored manifest bytes, as they are.
 */
export async function planExport(root: Root, refs: string[], compression: Compression | undefined, lease: Lease): Promise<ExportSet> {
  const store = new ImageStore(root.metadata);
  const recompressed = new Map<string, Promise<Descriptor>>();
  const images: ExportedImage[] = [];
  for (const ref of refs) {
    const resolved = store.resolve(ref);
    const image = await readImage(root.content, resolved.record.manifestDigest);
    // One layer at a time: each recompression already uses several cores (zstd workers).
    const layers: Descriptor[] = [];
    for (const layer of image.layers) layers.push(await convertLayer(root, lease, layer, compression, recompressed));
    const changed = layers.some((layer, i) => layer.digest !== image.manifest.layers[i]?.digest);
    const manifest = changed ? await storeRewrittenManifest(root, lease, image, layers) : manifestDescriptor(root, image);
    images.push({ names: resolved.byName ? [resolved.record.name] : [], id: resolved.id, manifest, config: image.manifest.config, layers });
  }
  const blobs = new Set<Digest>();
  for (const image of images) for (const blob of [image.config, ...image.layers, image.manifest]) blobs.add(blob.digest);
  return { images, blobs: [...blobs] };
}

function manifestDescriptor(root: Root, image: StoredImage): Descriptor {
  const mediaType = MANIFEST_MEDIA_TYPES.has(image.manifest.mediaType) ? image.manifest.mediaType : OCI_MANIFEST;
  return { mediaType, digest: image.manifestDigest, size: root.content.stat(image.manifestDigest).size };
}

/** A recompressed image is written as OCI throughout, whatever it was, so media types never mix. */
async function storeRewrittenManifest(root: Root, lease: Lease, image: StoredImage, layers: Descriptor[]): Promise<Descriptor> {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { ...image.manifest.config, mediaType: OCI_CONFIG },
    layers: layers.map((layer) => ({ ...layer, mediaType: layerMediaType(layerCompression(layer.mediaType)) })),
  };
  if (image.manifest.annotations !== undefined) manifest.annotations = image.manifest.annotations;
  return storeDocument(root.content, lease, OCI_MANIFEST, manifest);
}

function convertLayer(
  root: Root,
  lease: Lease,
  layer: StoredLayer,
  compression: Compression | undefined,
  cache: Map<string, Promise<Descriptor>>,
): Promise<Descriptor> {
  const { descriptor } = layer;
  if (compression === undefined || layerCompression(descriptor.mediaType) === compression) return Promise.resolve(descriptor);
  const key = `${descriptor.digest} ${compression}`;
  let converted = cache.get(key);
  if (converted === undefined) {
    converted = recompress(root, lease, layer, compression);
    cache.set(key, converted);
  }
  return converted;
}

async function recompress(root: Root, lease: Lease, layer: StoredLayer, compression: Compression): Promise<Descriptor> {
  const what = `layer ${layer.descriptor.digest}`;
  const stored = await readStoredLayer(root, layer.descriptor.digest, what, (tar) => writeLayerBlob(root.content, tar, compression));
  holdBlob(root, lease, stored.digest);
  if (stored.diffId !== layer.diffId) throw new DigestMismatchError(`${what}: its uncompressed tar (the config's rootfs.diff_ids entry)`, layer.diffId, stored.diffId);
  return { mediaType: layerMediaType(compression), digest: stored.digest, size: stored.size };
}
