import { InvalidArgumentError } from '@layerctl/sys';
import type { Compression } from '../archive/compression.ts';

/**
 * The media types layerctl reads and writes, OCI and Docker schema 2.
 *
 * A Docker v2 manifest has the same shape as an OCI manifest, so both validate through one
 * function; only the names differ. Anything else (schema 1, artifacts, encrypted layers) is
 * refused by name rather than stored and misread later.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** Deprecated by image-spec 1.1 but still found in Windows-era images; the bytes are ordinary layers. */
export const OCI_LAYER_NONDISTRIBUTABLE = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const OCI_LAYER_NONDISTRIBUTABLE_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const OCI_LAYER_NONDISTRIBUTABLE_ZSTD = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Not in Docker's spec, but containerd and buildkit write it for zstd layers in Docker manifests. */
export const DOCKER_LAYER_ZSTD = 'application/vnd.docker.image.rootfs.diff.tar.zstd';
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/** The compression each known layer media type announces. */
const LAYER_COMPRESSION: ReadonlyMap<string, Compression> = new Map<string, Compression>([
  [OCI_LAYER, 'none'],
  [OCI_LAYER_GZIP, 'gzip'],
  [OCI_LAYER_ZSTD, 'zstd'],
  [OCI_LAYER_NONDISTRIBUTABLE, 'none'],
  [OCI_LAYER_NONDISTRIBUTABLE_GZIP, 'gzip'],
  [OCI_LAYER_NONDISTRIBUTABLE_ZSTD, 'zstd'],
  [DOCKER_LAYER, 'none'],
  [DOCKER_LAYER_GZIP, 'gzip'],
  [DOCKER_LAYER_ZSTD, 'zstd'],
  [DOCKER_FOREIGN_LAYER, 'gzip'],
]);

const OCI_LAYER_BY_COMPRESSION: Record<Compression, string> = {
  none: OCI_LAYER,
  gzip: OCI_LAYER_GZIP,
  zstd: OCI_LAYER_ZSTD,
};

export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
export const CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set([OCI_CONFIG, DOCKER_CONFIG]);

/** The compression a layer media type announces; throws InvalidArgumentError for a type that is not a known layer. */
export function layerCompression(mediaType: string, where = 'layer'): Compression {
  const compression = LAYER_COMPRESSION.get(mediaType);
  if (compression === undefined) {
    throw new InvalidArgumentError(`${where}: unknown layer media type ${JSON.stringify(mediaType)}`);
  }
  return compression;
}

/** The OCI layer media type for a compression; layerctl writes OCI types only. */
export function layerMediaType(compression: Compression): string {
  return OCI_LAYER_BY_COMPRESSION[compression];
}
