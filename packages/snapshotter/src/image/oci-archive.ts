import { InvalidArgumentError, NotSupportedError } from '@layerctl/sys';
import type { TarInput } from '../archive/tar/index.ts';
import type { Digest } from '../content/digest.ts';
import { OCI_INDEX_FILE, OCI_LAYOUT_FILE, OCI_LAYOUT_VERSION } from '../content/oci-layout.ts';
import type { Root } from '../root.ts';
import { blobEntries, documentEntry } from './archive-entries.ts';
import type { ArchiveFiles } from './archive-files.ts';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, type Descriptor } from './descriptor.ts';
import type { ExportSet } from './export-plan.ts';
import { readImageIndex } from './image-documents.ts';
import type { ImageIndex } from './image-index.ts';
import { validateImageIndex } from './image-index.ts';
import { JsonField } from './json-field.ts';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, OCI_INDEX } from './media-types.ts';
import { hostPlatform, platformMatches } from './platform.ts';
import { nameFromArchive, splitName } from './reference.ts';
import { checkBlob, verifyImage } from './verify-image.ts';

/**
 * OCI image layout archives (image-spec image-layout.md) as `layerctl save --format oci` writes
 * and `layerctl load` reads them: oci-layout, index.json, blobs/sha256/<hex>.
 *
 * index.json has one entry per saved name, annotated as containerd and Docker 25+ do:
 * org.opencontainers.image.ref.name = the tag, io.containerd.image.name = the full name.
 */

/** An image a load verified and is about to name. */
export interface LoadedImage {
  /** Stored names ("docker.io/library/busybox:latest"); empty for an image the archive does not name. */
  names: string[];
  manifestDigest: Digest;
  configDigest: Digest;
}

/** Nested indexes deeper than this are not images but a trap. */
const MAX_INDEX_DEPTH = 4;

export function* ociArchiveEntries(root: Root, set: ExportSet): Generator<TarInput> {
  yield documentEntry(OCI_LAYOUT_FILE, { imageLayoutVersion: OCI_LAYOUT_VERSION });
  yield* blobEntries(root, set.blobs);
  yield documentEntry(OCI_INDEX_FILE, ociIndex(set));
}

/** index.json for a save; also written into Docker-format saves, as Docker 25+ does. */
export function ociIndex(set: ExportSet): ImageIndex {
  const manifests: Descriptor[] = [];
  for (const image of set.images) {
    if (image.names.length === 0) manifests.push(image.manifest);
    for (const name of image.names) {
      const annotations = { [ANNOTATION_IMAGE_NAME]: name, [ANNOTATION_REF_NAME]: splitName(name).tag };
      manifests.push({ ...image.manifest, annotations });
    }
  }
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
}

/** Reads the images of an OCI layout whose blobs ArchiveFiles has stored; verifies each fully. */
export async function loadOciImages(root: Root, files: ArchiveFiles): Promise<LoadedImage[]> {
  checkLayoutVersion(files);
  const where = `${files.what}: ${OCI_INDEX_FILE}`;
  const index = validateImageIndex(JsonField.parse(where, files.document(OCI_INDEX_FILE)).value, where);
  const images: LoadedImage[] = [];
  for (const [i, entry] of index.manifests.entries()) {
    const place = `${where}: manifests[${i}]`;
    const names = imageNames(entry.annotations, place);
    const manifest = await selectManifest(root, files, entry, place, 0);
    const image = await verifyImage(root, files, manifest);
    images.push({ names, manifestDigest: manifest.digest, configDigest: image.manifest.config.digest });
  }
  return images;
}

function checkLayoutVersion(files: ArchiveFiles): void {
  const where = `${files.what}: ${OCI_LAYOUT_FILE}`;
  const version = JsonField.parse(where, files.document(OCI_LAYOUT_FILE)).get('imageLayoutVersion');
  if (version.string() !== OCI_LAYOUT_VERSION) version.fail(`layout version ${JSON.stringify(version.value)} is not supported (only ${OCI_LAYOUT_VERSION})`);
}

/** An image manifest, or the one for this machine's platform from a (nested) index or manifest list. */
async function selectManifest(root: Root, files: ArchiveFiles, entry: Descriptor, place: string, depth: number): Promise<Descriptor> {
  if (MANIFEST_MEDIA_TYPES.has(entry.mediaType)) return entry;
  if (!INDEX_MEDIA_TYPES.has(entry.mediaType)) {
    throw new InvalidArgumentError(`${place}: media type ${JSON.stringify(entry.mediaType)} is neither an image manifest nor an index`);
  }
  if (depth >= MAX_INDEX_DEPTH) throw new InvalidArgumentError(`${place}: indexes nested more than ${MAX_INDEX_DEPTH} deep`);
  checkBlob(root, files, entry, 'index');
  const nested = await files.named(() => readImageIndex(root.content, entry.digest));
  const host = hostPlatform();
  const chosen = nested.manifests.find((candidate) => isImageEntry(candidate) && platformMatches(candidate.platform, host));
  if (chosen === undefined) {
    throw new NotSupportedError(`${place}: index ${entry.digest} has no image for this machine (${host.os}/${host.architecture})`);
  }
  return selectManifest(root, files, chosen, `index ${entry.digest}`, depth + 1);
}

function isImageEntry(entry: Descriptor): boolean {
  return MANIFEST_MEDIA_TYPES.has(entry.mediaType) || INDEX_MEDIA_TYPES.has(entry.mediaType);
}

/**
 * io.containerd.image.name holds a full name. org.opencontainers.image.ref.name is often only a
 * tag ("latest") with no repository to put it on; it names the image only when it is a whole
 * reference (has a "/" or ":"), as skopeo writes for oci-archive:FILE:NAME:TAG.
 */
function imageNames(annotations: Record<string, string> | undefined, place: string): string[] {
  const full = annotations?.[ANNOTATION_IMAGE_NAME];
  if (full !== undefined) return [nameFromArchive(full, `${place}: annotation ${ANNOTATION_IMAGE_NAME}`)];
  const ref = annotations?.[ANNOTATION_REF_NAME];
  if (ref !== undefined && /[/:]/.test(ref)) return [nameFromArchive(ref, `${place}: annotation ${ANNOTATION_REF_NAME}`)];
  return [];
}
