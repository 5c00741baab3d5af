import { InvalidArgumentError } from '@layerctl/sys';
import type { ContentStore } from '../content/content-store.ts';
import { sha256Digest, type Digest } from '../content/digest.ts';
import type { Lease } from '../metadata/leases.ts';
import type { Descriptor } from './descriptor.ts';
import { validateImageConfig, type ImageConfig } from './image-config.ts';
import { validateImageIndex, type ImageIndex } from './image-index.ts';
import { JsonField } from './json-field.ts';
import { MAX_DOCUMENT_BYTES } from './limits.ts';
import { validateManifest, type ImageManifest } from './manifest.ts';

/**
 * Manifests, configs and indexes as blobs: read back from the content store through their
 * validators, and written as compact JSON. They are the only blobs read whole, under a cap.
 */

export async function readManifest(content: ContentStore, digest: Digest): Promise<ImageManifest> {
  return readDocument(content, digest, 'manifest', validateManifest);
}

export async function readImageConfig(content: ContentStore, digest: Digest): Promise<ImageConfig> {
  return readDocument(content, digest, 'config', validateImageConfig);
}

export async function readImageIndex(content: ContentStore, digest: Digest): Promise<ImageIndex> {
  return readDocument(content, digest, 'index', validateImageIndex);
}

/** A stored document parsed and checked by `validate`; errors name it as "<kind> <digest>". */
async function readDocument<T>(content: ContentStore, digest: Digest, kind: string, validate: (value: unknown, what: string) => T): Promise<T> {
  const what = `${kind} ${digest}`;
  return validate(JsonField.parse(what, await content.readSmall(digest, MAX_DOCUMENT_BYTES)).value, what);
}

/** An image as stored: its manifest and config, checked against each other. */
export interface StoredImage {
  manifestDigest: Digest;
  manifest: ImageManifest;
  config: ImageConfig;
  /** The manifest's layers, bottom first, each with its DiffID from the config. */
  layers: StoredLayer[];
}

export interface StoredLayer {
  descriptor: Descriptor;
  diffId: Digest;
}

/** Reads a manifest and its config; refuses an image whose config lists a different number of DiffIDs than it has layers. */
export async function readImage(content: ContentStore, manifestDigest: Digest): Promise<StoredImage> {
  const manifest = await readManifest(content, manifestDigest);
  const config = await readImageConfig(content, manifest.config.digest);
  return { manifestDigest, manifest, config, layers: pairLayers(manifest, config, `image ${manifestDigest}`) };
}

/** Zips the manifest's layers with the config's DiffIDs; their counts must agree. */
export function pairLayers(manifest: ImageManifest, config: ImageConfig, what: string): StoredLayer[] {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new InvalidArgumentError(
      `${what}: the manifest has ${manifest.layers.length} layers but config ${manifest.config.digest} lists ${diffIds.length} rootfs.diff_ids`,
    );
  }
  return manifest.layers.flatMap((descriptor, i) => diffIds.slice(i, i + 1).map((diffId) => ({ descriptor, diffId })));
}

/** The bytes a document is stored as: compact JSON, so the same document always has the same digest. */
export function documentBytes(document: unknown): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}

/** Stores a document as a blob, leased before it is stored (its digest is known), and returns its descriptor. */
export async function storeDocument(content: ContentStore, lease: Lease, mediaType: string, document: unknown): Promise<Descriptor> {
  return storeBytes(content, lease, mediaType, documentBytes(document));
}

/** Stores a small document's exact bytes (a config from an archive keeps its digest only byte for byte). */
export async function storeBytes(content: ContentStore, lease: Lease, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = sha256Digest(bytes);
  lease.addBlob(digest);
  await content.ingest(once(bytes), { digest, size: bytes.length });
  return { mediaType, digest, size: bytes.length };
}

export async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  yield chunk;
}
