import { InvalidArgumentError } from '@layerctl/sys';
import { decompressAuto, type Compression } from '../archive/compression.ts';
import { writeLayerBlob, type LayerBlob } from '../archive/layer-blob.ts';
import { readTar } from '../archive/tar/index.ts';
import { openLease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { holdBlob } from './hold-blob.ts';
import type { ImageConfig } from './image-config.ts';
import { storeDocument } from './image-documents.ts';
import { ImageStore } from './image-store.ts';
import { MAX_LAYER_BYTES } from './limits.ts';
import { summarizeImage, type ImageSummary } from './list-images.ts';
import type { ImageManifest } from './manifest.ts';
import { OCI_CONFIG, OCI_MANIFEST, layerMediaType } from './media-types.ts';
import { hostPlatform } from './platform.ts';
import { normalizeName } from './reference.ts';
import { teeInto } from './stream-tee.ts';

export interface ImportOptions {
  /** How the layer is stored; zstd by default. */
  compression?: Compression;
  /** The image's creation time; now by default. */
  created?: Date;
  /** Names the source in errors ("rootfs.tar: not a tar archive"); "rootfs archive" by default. */
  sourceName?: string;
  /** Refuse a source that decompresses to more than this (decompression bombs); MAX_LAYER_BYTES by default. */
  maxUncompressedBytes?: number;
}

/** The history line an imported image's one layer gets. */
export const IMPORT_CREATED_BY = 'layerctl import';

/**
 * `layerctl import ROOTFS.tar NAME[:TAG]`: a one-layer image from a tarball of a root filesystem
 * (plain, gzip or zstd). The tar bytes become the layer unchanged, so its DiffID is the sha256 of
 * exactly what was given; they are checked to parse as a tar on the way in. The image is for this
 * machine's platform. Blobs are leased until the name is recorded in one transaction.
 */
export async function importRootfs(root: Root, source: AsyncIterable<Buffer>, ref: string, opts: ImportOptions = {}): Promise<ImageSummary> {
  const name = normalizeName(ref);
  const what = opts.sourceName ?? 'rootfs archive';
  const compression = opts.compression ?? 'zstd';
  const created = (opts.created ?? new Date()).toISOString();
  const lease = openLease(root.metadata);
  try {
    const tar = decompressAuto(source, { what, maxBytes: opts.maxUncompressedBytes ?? MAX_LAYER_BYTES });
    const layer = await storeCheckedTar(root, tar, compression, what);
    holdBlob(root, lease, layer.digest);
    const config = await storeDocument(root.content, lease, OCI_CONFIG, importConfig(layer, created));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: [{ mediaType: layerMediaType(compression), digest: layer.digest, size: layer.size }],
    };
    const stored = await storeDocument(root.content, lease, OCI_MANIFEST, manifest);
    const record = { name, manifestDigest: stored.digest, configDigest: config.digest, createdAt: Date.now() };
    root.metadata.write((db) => ImageStore.record(db, record));
    return await summarizeImage(root, record);
  } finally {
    lease.release();
  }
}

function importConfig(layer: LayerBlob, created: string): ImageConfig {
  return {
    created,
    ...hostPlatform(),
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: IMPORT_CREATED_BY }],
  };
}

/** Stores the tar as a layer blob while, in the same pass, reading it as a tar to prove it is one. */
async function storeCheckedTar(root: Root, tar: AsyncIterable<Buffer>, compression: Compression, what: string): Promise<LayerBlob> {
  const [layer] = await teeInto(
    tar,
    (branch) => writeLayerBlob(root.content, branch, compression),
    (branch) => checkTar(branch, what),
  );
  return layer;
}

async function checkTar(source: AsyncIterable<Buffer>, what: string): Promise<void> {
  let sourceFailed = false;
  async function* watched(): AsyncGenerator<Buffer> {
    try {
      yield* source;
    } catch (err) {
      sourceFailed = true;
      throw err;
    }
  }
  try {
    for await (const _entry of readTar(watched())) {
      // Entries are only parsed here; readTar skips each body unread.
    }
  } catch (err) {
    // Only the tar reader's own complaints mean "not a tar"; a failing source speaks for itself.
    if (sourceFailed || !(err instanceof InvalidArgumentError)) throw err;
    throw new InvalidArgumentError(`${what}: not a tar archive: ${err.message}`, { cause: err });
  }
}
