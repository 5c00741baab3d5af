import { createHash, randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Readable } from 'node:stream';
import { AlreadyExistsError, DigestMismatchError, FailedPreconditionError, LayerctlError, NotFoundError } from '@layerctl/sys';
import { DIGEST_ALGORITHM, digestOfHash, type Digest } from '../content/digest.ts';
import { errorMessage } from '../error-message.ts';
import { processAlive } from '../process-alive.ts';
import { readStoredLayer } from '../read-stored-layer.ts';
import type { Root } from '../root.ts';
import { chainIds } from '../image/chain-id.ts';
import { readImage, type StoredLayer } from '../image/image-documents.ts';
import { ImageFacts } from '../image/image-facts.ts';
import { ImageStore } from '../image/image-store.ts';
import type { MetadataSnapshotter } from './metadata-snapshotter.ts';
import { allSnapshots, type SnapshotRow } from './snapshot-rows.ts';

/**
 * The layer store: each image layer is a committed snapshot named by its ChainID, applied once
 * and shared by every image and container above it (containerd's unpacker).
 *
 * Rules:
 * - A layer snapshot carries DIFF_ID_LABEL; the layer store only ever releases snapshots with it,
 *   so snapshots a user committed by hand are never its to remove.
 * - A layer is applied through the driver's applyDiff into a fresh active snapshot on the layer
 *   below; the DiffID is computed from the same bytes, and a layer whose tar does not match the
 *   DiffID its image config gives is never committed.
 * - Two processes unpacking the same chain both apply it; the first commit wins, the other gets
 *   AlreadyExists from commit, drops its copy and uses the winner's.
 * - Record an image before unpacking it: a layer snapshot that no recorded image reaches is
 *   released by releaseImageLayers (containerd's order: image, then unpack).
 */

/** The label of a layer snapshot: the DiffID of the tar applied on its parent. */
export const DIFF_ID_LABEL = 'layerctl.io/diff-id';

/** The label of an unpack's temporary active snapshot: the pid applying it, so a dead unpack's leftovers can be found. */
export const UNPACKING_PID_LABEL = 'layerctl.io/unpacking-pid';

/** Temporary keys start with this (containerd says "extract-"); the rest is random and the ChainID. */
const UNPACK_KEY_PREFIX = 'unpack-';

export interface UnpackResult {
  /** The ChainID of the image's top layer: the parent to prepare a container on; undefined for an image without layers. */
  chainId: Digest | undefined;
  /** ChainIDs applied by this call, bottom first. */
  applied: Digest[];
  /** ChainIDs that were already there (or were committed by a concurrent unpack). */
  reused: Digest[];
}

/**
 * How often an unpack starts again when a layer it stands on is released under it (a concurrent
 * releaseImageLayers, after the image was removed and recorded again); more means something keeps
 * removing it.
 */
const UNPACK_ATTEMPTS = 3;

/** Makes sure every layer of the image is a committed snapshot named by its ChainID. */
export async function unpackImage(root: Root, snapshotter: MetadataSnapshotter, imageRef: string): Promise<UnpackResult> {
  const resolved = new ImageStore(root.metadata).resolve(imageRef);
  const image = await readImage(root.content, resolved.record.manifestDigest);
  const chains = chainIds(image.layers.map((layer) => layer.diffId));
  for (let attempt = 1; ; attempt++) {
    try {
      return await unpackLayers(root, snapshotter, image.layers, chains);
    } catch (err) {
      if (!(err instanceof ParentReleasedError) || attempt === UNPACK_ATTEMPTS) throw err;
    }
  }
}

async function unpackLayers(root: Root, snapshotter: MetadataSnapshotter, layers: StoredLayer[], chains: Digest[]): Promise<UnpackResult> {
  const result: UnpackResult = { chainId: undefined, applied: [], reused: [] };
  for (const [i, layer] of layers.entries()) {
    const chainId = chains[i];
    if (chainId === undefined) break;
    const outcome = await unpackLayer(root, snapshotter, layer, chainId, result.chainId);
    result[outcome].push(chainId);
    result.chainId = chainId;
  }
  return result;
}

/** The layer below went away between finding it and preparing on it. */
class ParentReleasedError extends NotFoundError {}

async function unpackLayer(root: Root, snapshotter: MetadataSnapshotter, layer: StoredLayer, chainId: Digest, parent: Digest | undefined): Promise<'applied' | 'reused'> {
  if (layerExists(snapshotter, chainId)) return 'reused';
  const key = `${UNPACK_KEY_PREFIX}${randomBytes(8).toString('hex')} ${chainId}`;
  try {
    await snapshotter.prepare(key, parent, { labels: { [UNPACKING_PID_LABEL]: String(process.pid) } });
  } catch (err) {
    // The key is new, so NotFound can only be about the parent.
    if (err instanceof NotFoundError) throw new ParentReleasedError(`layer ${parent} was released while ${chainId} was being unpacked on it`, { cause: err });
    throw err;
  }
  try {
    await applyChecked(root, snapshotter, key, layer);
    await snapshotter.commit(chainId, key, { labels: { [DIFF_ID_LABEL]: layer.diffId } });
    return 'applied';
  } catch (err) {
    await discard(snapshotter, key, err);
    // Lost the commit race: the winner's snapshot holds the same layer.
    if (err instanceof AlreadyExistsError && layerExists(snapshotter, chainId)) return 'reused';
    throw err;
  }
}

/** Whether a committed snapshot names this ChainID; a snapshot of another kind under that name is in the way. */
function layerExists(snapshotter: MetadataSnapshotter, chainId: Digest): boolean {
  try {
    const info = snapshotter.stat(chainId);
    if (info.kind === 'committed') return true;
    throw new FailedPreconditionError(`snapshot ${chainId} is ${info.kind}, so that layer cannot be unpacked under its ChainID; remove it`);
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/** Applies the layer's blob to active snapshot `key`, hashing the tar on the way; refuses a tar that is not the DiffID's. */
async function applyChecked(root: Root, snapshotter: MetadataSnapshotter, key: string, layer: StoredLayer): Promise<void> {
  const what = `layer ${layer.descriptor.digest}`;
  const diffId = await readStoredLayer(root, layer.descriptor.digest, what, async (tar) => {
    const hashed = new HashedStream(tar);
    await snapshotter.applyDiff(key, hashed.chunks());
    return hashed.drain();
  });
  if (diffId !== layer.diffId) throw new DigestMismatchError(`${what}: its tar (DiffID)`, layer.diffId, diffId);
}

/**
 * A stream read through once, hashed as it goes. The applier may stop reading at the tar's end
 * marker; drain() hashes what is left (padding) so the digest covers every byte, and also lets
 * the content store verify the blob to its end.
 */
class HashedStream {
  readonly #iterator: AsyncIterator<Buffer>;
  readonly #hash = createHash(DIGEST_ALGORITHM);

  constructor(source: Readable) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** The chunks, hashed; stopping early does not end the source (drain reads the rest). */
  async *chunks(): AsyncGenerator<Buffer> {
    for (let next = await this.#iterator.next(); next.done !== true; next = await this.#iterator.next()) {
      this.#hash.update(next.value);
      yield next.value;
    }
  }

  async drain(): Promise<Digest> {
    for (let next = await this.#iterator.next(); next.done !== true; next = await this.#iterator.next()) this.#hash.update(next.value);
    return digestOfHash(this.#hash);
  }
}

/** Removes an unpack's temporary snapshot after `cause`; if that fails too, says so (releaseImageLayers removes it once this process is gone). */
async function discard(snapshotter: MetadataSnapshotter, key: string, cause: unknown): Promise<void> {
  try {
    await snapshotter.remove(key);
  } catch (err) {
    throw new LayerctlError(`${errorMessage(cause)}; removing the unpack snapshot ${key} failed too (${errorMessage(err)})`, { cause });
  }
}

export interface ReleaseReport {
  /** Snapshot keys removed, children before parents. */
  removed: string[];
}

/**
 * Removes the layer snapshots (DIFF_ID_LABEL) that no recorded image reaches and no other
 * snapshot stands on, top down, and the temporary snapshots of unpacks whose process died.
 * For `rmi` after it removes an image, and for `gc`.
 *
 * Manifests and configs are read before the transaction that removes the rows; if the recorded
 * images changed meanwhile, the new ones are read and the choice is made again.
 */
export async function releaseImageLayers(root: Root, snapshotter: MetadataSnapshotter): Promise<ReleaseReport> {
  const chains = new ImageFacts(root, 'releasing layers', async (digest) => imageChainIds(root, digest));
  for (;;) {
    await chains.readNew();
    const removed = await snapshotter.removeChosen((db) => chooseUnused(db, chains));
    if (removed !== undefined) return { removed };
  }
}

/** The ChainIDs of an image's layers, bottom first. */
async function imageChainIds(root: Root, manifestDigest: Digest): Promise<Digest[]> {
  const image = await readImage(root.content, manifestDigest);
  return chainIds(image.layers.map((layer) => layer.diffId));
}

/** The keys to remove, children first; undefined when an image was recorded whose chains are not read yet. */
function chooseUnused(db: DatabaseSync, chains: ImageFacts<Digest[]>): string[] | undefined {
  const imageChains = chains.current(db);
  if (imageChains === undefined) return undefined;
  const keep = new Set<string>(imageChains.flat());
  const rows = allSnapshots(db);
  const children = new Map<number, number>();
  for (const row of rows) if (row.parentId !== undefined) children.set(row.parentId, (children.get(row.parentId) ?? 0) + 1);
  const chosen: SnapshotRow[] = [];
  const choose = (row: SnapshotRow): void => {
    chosen.push(row);
    if (row.parentId !== undefined) children.set(row.parentId, (children.get(row.parentId) ?? 1) - 1);
  };
  rows.filter(abandonedUnpack).forEach(choose);
  let candidates = rows.filter((row) => row.kind === 'committed' && Object.hasOwn(row.labels, DIFF_ID_LABEL) && !keep.has(row.key));
  for (let progress = true; progress; ) {
    const leaves = candidates.filter((row) => (children.get(row.id) ?? 0) === 0);
    leaves.forEach(choose);
    candidates = candidates.filter((row) => !leaves.includes(row));
    progress = leaves.length > 0;
  }
  return chosen.map((row) => row.key);
}

function abandonedUnpack(row: SnapshotRow): boolean {
  const pid = row.labels[UNPACKING_PID_LABEL];
  return row.kind === 'active' && pid !== undefined && !processAlive(Number(pid));
}
