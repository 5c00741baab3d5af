import { InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import { OCI_INDEX_FILE, OCI_LAYOUT_FILE } from '../content/oci-layout.ts';
import { openLease, type Lease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { ArchiveFiles } from './archive-files.ts';
import { DOCKER_MANIFEST_FILE, DOCKER_REPOSITORIES_FILE, loadDockerImages } from './docker-archive.ts';
import { ImageStore } from './image-store.ts';
import { loadOciImages, type LoadedImage } from './oci-archive.ts';
import { familiarName } from './reference.ts';

export interface LoadResult {
  /** The names loaded ("busybox:latest"), and the image id of each image the archive did not name. */
  loaded: string[];
}

/**
 * `layerctl load`: an OCI layout archive or a docker save archive (either layout), plain tar.
 *
 * The archive streams once: every file is stored (blobs, verified) or kept (small JSON) as it
 * passes, then the format is decided: oci-layout and index.json make it an OCI layout (Docker 25+
 * saves are both; the index is preferred, it carries digests and media types), manifest.json a
 * docker save. Every image is verified in full before its names are recorded, all in one
 * transaction; a failure records nothing, and what was stored is left to gc once the lease goes.
 */
export async function loadArchive(root: Root, input: AsyncIterable<Buffer>, opts: { what?: string } = {}): Promise<LoadResult> {
  const what = opts.what ?? 'image archive';
  const lease = openLease(root.metadata);
  try {
    const files = await ArchiveFiles.read(root, input, lease, what);
    const images = await loadImages(root, files, lease);
    const now = Date.now();
    root.metadata.write((db) => {
      for (const image of images) {
        for (const name of image.names) ImageStore.record(db, { name, manifestDigest: image.manifestDigest, configDigest: image.configDigest, createdAt: now });
        if (image.names.length === 0) ImageStore.recordUnnamed(db, image.manifestDigest, image.configDigest, now);
      }
    });
    return { loaded: images.flatMap((image) => (image.names.length === 0 ? [image.configDigest] : image.names.map(familiarName))) };
  } finally {
    lease.release();
  }
}

function loadImages(root: Root, files: ArchiveFiles, lease: Lease): Promise<LoadedImage[]> {
  if (files.hasDocument(OCI_INDEX_FILE) && files.hasDocument(OCI_LAYOUT_FILE)) return loadOciImages(root, files);
  if (files.hasDocument(DOCKER_MANIFEST_FILE)) return loadDockerImages(root, files, lease);
  if (files.hasDocument(DOCKER_REPOSITORIES_FILE)) {
    throw new NotSupportedError(`${files.what}: a docker save from before Docker 1.10 (no ${DOCKER_MANIFEST_FILE}); save it again with a newer Docker`);
  }
  throw new InvalidArgumentError(
    `${files.what}: not an image archive: it has neither ${OCI_LAYOUT_FILE} and ${OCI_INDEX_FILE} (OCI layout) nor ${DOCKER_MANIFEST_FILE} (docker save)`,
  );
}
