import path from 'node:path';
import type { TarInput } from '../archive/tar/index.ts';
import { sha256Digest, type Digest } from '../content/digest.ts';
import { OCI_INDEX_FILE, OCI_LAYOUT_FILE, OCI_LAYOUT_VERSION } from '../content/oci-layout.ts';
import type { Lease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { blobEntries, blobPath, documentEntry } from './archive-entries.ts';
import type { ArchiveFiles } from './archive-files.ts';
import type { ExportSet } from './export-plan.ts';
import { pairLayers, readImageConfig, storeBytes, storeDocument } from './image-documents.ts';
import { JsonField } from './json-field.ts';
import type { ImageManifest } from './manifest.ts';
import { OCI_CONFIG, OCI_MANIFEST, layerMediaType } from './media-types.ts';
import { ociIndex, type LoadedImage } from './oci-archive.ts';
import { familiarName, nameFromArchive } from './reference.ts';
import { verifyLayers } from './verify-image.ts';

/**
 * `docker save` archives. manifest.json lists, per image, the path of its config, its names
 * (RepoTags) and the paths of its layers, bottom first.
 *
 * Written as Docker 25+ writes them: config and layers as blobs/sha256/<hex>, plus oci-layout and
 * index.json (with an OCI manifest per image), so the same file is also an OCI layout. Layers are
 * uncompressed unless the save asks otherwise; that is what every docker-archive reader expects.
 *
 * Read in both layouts: Docker 25+'s, and the older one (<id>/layer.tar, <config hex>.json,
 * repositories, with symlinks for repeated layers). A layer is kept exactly as the archive has it
 * (an uncompressed tar stays an uncompressed blob, its digest is its DiffID): re-encoding would
 * cost a second pass and could only lose the exact bytes. Its DiffID, taken while it streamed in,
 * must match the config's rootfs.diff_ids entry. An OCI manifest is made for it, since the archive
 * has none (or, for Docker 25+, ArchiveFiles' caller prefers index.json when both are there).
 */

export const DOCKER_MANIFEST_FILE = 'manifest.json';
/** The name → tag → top layer id map of old saves; manifest.json supersedes it and layerctl does not write it. */
export const DOCKER_REPOSITORIES_FILE = 'repositories';

export function* dockerArchiveEntries(root: Root, set: ExportSet): Generator<TarInput> {
  yield* blobEntries(root, set.blobs);
  yield documentEntry(DOCKER_MANIFEST_FILE, dockerManifest(set));
  yield documentEntry(OCI_LAYOUT_FILE, { imageLayoutVersion: OCI_LAYOUT_VERSION });
  yield documentEntry(OCI_INDEX_FILE, ociIndex(set));
}

interface DockerManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** One entry per manifest, with every name it was saved under. */
function dockerManifest(set: ExportSet): DockerManifestEntry[] {
  const entries = new Map<Digest, DockerManifestEntry>();
  for (const image of set.images) {
    let entry = entries.get(image.manifest.digest);
    if (entry === undefined) {
      entry = { Config: blobPath(image.config.digest), RepoTags: [], Layers: image.layers.map((layer) => blobPath(layer.digest)) };
      entries.set(image.manifest.digest, entry);
    }
    for (const name of image.names) if (!entry.RepoTags.includes(familiarName(name))) entry.RepoTags.push(familiarName(name));
  }
  return [...entries.values()];
}

/** Reads the images manifest.json lists; their files are already in the store (ArchiveFiles). */
export async function loadDockerImages(root: Root, files: ArchiveFiles, lease: Lease): Promise<LoadedImage[]> {
  const where = `${files.what}: ${DOCKER_MANIFEST_FILE}`;
  const images: LoadedImage[] = [];
  for (const entry of JsonField.parse(where, files.document(DOCKER_MANIFEST_FILE)).array()) {
    images.push(await loadDockerImage(root, files, lease, entry));
  }
  return images;
}

async function loadDockerImage(root: Root, files: ArchiveFiles, lease: Lease, entry: JsonField): Promise<LoadedImage> {
  const place = `${entry.document}: ${entry.path}`;
  const configField = entry.get('Config');
  const configDigest = await storeConfig(root, files, lease, configField);
  const config = await files.named(() => readImageConfig(root.content, configDigest));
  const layers = entry.get('Layers').array().map((layerField) => {
    const blob = files.blobAt(layerField.string());
    return { mediaType: layerMediaType(blob.compression), digest: blob.digest, size: blob.size };
  });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: root.content.stat(configDigest).size },
    layers,
  };
  await verifyLayers(root, files, pairLayers(manifest, config, place));
  const stored = await storeDocument(root.content, lease, OCI_MANIFEST, manifest);
  const repoTags = entry.get('RepoTags').optionalArray();
  const names = repoTags.map((tag) => nameFromArchive(tag.string(), `${place}.RepoTags`));
  return { names, manifestDigest: stored.digest, configDigest };
}

/**
 * The config is a blob (Docker 25+: blobs/sha256/<hex>) or, in old saves, <hex>.json, kept in
 * memory as a document; that one is stored now, byte for byte, and must have the digest its name gives.
 */
async function storeConfig(root: Root, files: ArchiveFiles, lease: Lease, field: JsonField): Promise<Digest> {
  const file = field.string();
  if (!files.hasDocument(file)) return files.blobAt(file).digest;
  const bytes = files.document(file);
  const named = /^([0-9a-f]{64})\.json$/.exec(path.posix.basename(file))?.[1];
  if (named !== undefined && sha256Digest(bytes) !== `sha256:${named}`) {
    field.fail(`${file} does not have the digest its name gives (sha256:${named})`);
  }
  return (await storeBytes(root.content, lease, OCI_CONFIG, bytes)).digest;
}
