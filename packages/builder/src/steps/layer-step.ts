import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, LayerctlError, NotFoundError } from '@layerctl/sys';
import {
  DIFF_ID_LABEL,
  OCI_LAYER_ZSTD,
  UNPACKING_PID_LABEL,
  chainIds,
  errorMessage,
  holdBlob,
  mountAll,
  unmountAll,
  writeLayerBlob,
  type Digest,
  type Lease,
  type Mount,
  type MetadataSnapshotter,
  type Root,
} from '@layerctl/snapshotter';
import type { BuildWorkspace } from '../build/build-workspace.ts';
import type { BuiltLayer } from '../image-config/build-config.ts';
import { clampTarTimes } from './clamp-tar.ts';
import { dropUnchanged } from './drop-unchanged.ts';

/** Temporary keys of a step's snapshot start with this; the rest is random and the parent. */
const BUILD_KEY_PREFIX = 'build-';

/** What every layer step shares: where layers go and how they are made reproducible. */
export interface LayerContext {
  root: Root;
  snapshotter: MetadataSnapshotter;
  workspace: BuildWorkspace;
  /** Holds each blob the build stores until the image naming it is recorded. */
  lease: Lease;
  sourceDateEpoch: bigint | undefined;
  signal: AbortSignal | undefined;
  /** zstd level of the layer blobs; the content store's default (ZSTD_LAYER_LEVEL) when undefined. */
  zstdLevel?: number;
}

export interface LayerResult {
  layer: BuiltLayer;
  /** The ChainID the layer was committed under (or found under). */
  chainId: Digest;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
}

/**
 * Makes one layer: a fresh active snapshot on `parentDiffIds`' chain, mounted for `work`, then
 * unmounted; the driver's diff streamed once into the content store (DiffID, zstd, blob digest in
 * one pass, times clamped under SOURCE_DATE_EPOCH); committed under its ChainID. When that ChainID
 * exists already (the same layer built before), the existing snapshot is kept and ours dropped.
 *
 * Whatever fails or is aborted, nothing stays mounted and the temporary snapshot is removed; a
 * crash leaves an active snapshot labelled with our pid, which releaseImageLayers removes.
 */
export async function buildLayer(context: LayerContext, parentDiffIds: readonly Digest[], work: (rootfs: string) => Promise<void>): Promise<LayerResult> {
  const { snapshotter } = context;
  const parent = chainIds([...parentDiffIds]).at(-1);
  const key = `${BUILD_KEY_PREFIX}${randomBytes(8).toString('hex')} ${parent ?? 'base'}`;
  const mounts = await snapshotter.prepare(key, parent, { labels: buildSnapshotLabels() });
  try {
    await withMounted(context, mounts, work);
    context.signal?.throwIfAborted();
    const blob = await withParentTree(context, parent, async (parentRoot) => {
      const diff = parentRoot === undefined ? snapshotter.diff(key) : dropUnchanged(snapshotter.diff(key), parentRoot);
      const tar = context.sourceDateEpoch === undefined ? diff : clampTarTimes(diff, context.sourceDateEpoch);
      return writeLayerBlob(context.root.content, tar, 'zstd', { level: context.zstdLevel });
    });
    holdBlob(context.root, context.lease, blob.digest);
    const chainId = chainIds([...parentDiffIds, blob.diffId]).at(-1) ?? blob.diffId;
    await commitOrReuse(snapshotter, key, chainId, blob.diffId);
    return {
      layer: { diffId: blob.diffId, digest: blob.digest, size: blob.size, mediaType: OCI_LAYER_ZSTD },
      chainId,
      uncompressedSize: blob.uncompressedSize,
    };
  } catch (err) {
    await discard(snapshotter, key, err);
    throw err;
  }
}

/**
 * The labels of every snapshot a build makes for itself: the owner's pid, so what a killed build
 * leaves is found (the layer store releases such active snapshots; the next build removes views).
 */
export function buildSnapshotLabels(): Record<string, string> {
  return { [UNPACKING_PID_LABEL]: String(process.pid) };
}

/** The parent chain mounted read-only for `use` (undefined for a layer on nothing), removed again after. */
async function withParentTree<T>(context: LayerContext, parent: Digest | undefined, use: (parentRoot: string | undefined) => Promise<T>): Promise<T> {
  if (parent === undefined) return use(undefined);
  const key = `${BUILD_KEY_PREFIX}parent-${randomBytes(8).toString('hex')} ${parent}`;
  const mounts = await context.snapshotter.view(key, parent, { labels: buildSnapshotLabels() });
  try {
    return await withMounted(context, mounts, use);
  } finally {
    await context.snapshotter.remove(key);
  }
}

/** Mounts `mounts` on a folder of the workspace for `work`, and always takes them off again. */
export async function withMounted<T>(context: Pick<LayerContext, 'workspace'>, mounts: readonly Mount[], work: (rootfs: string) => Promise<T>): Promise<T> {
  const target = context.workspace.folder('rootfs');
  try {
    mountAll(mounts, target);
    try {
      return await work(target);
    } finally {
      unmountAll(target);
    }
  } finally {
    context.workspace.release(target);
  }
}

async function commitOrReuse(snapshotter: MetadataSnapshotter, key: string, chainId: Digest, diffId: Digest): Promise<void> {
  try {
    await snapshotter.commit(chainId, key, { labels: { [DIFF_ID_LABEL]: diffId } });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError) || snapshotter.stat(chainId).kind !== 'committed') throw err;
    await snapshotter.remove(key);
  }
}

/** Removes a step's snapshot after `cause`, if it is still there (a commit consumed it otherwise). */
async function discard(snapshotter: MetadataSnapshotter, key: string, cause: unknown): Promise<void> {
  try {
    snapshotter.stat(key);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  try {
    await snapshotter.remove(key);
  } catch (err) {
    throw new LayerctlError(`${errorMessage(cause)}; removing the build snapshot ${key} failed too (${errorMessage(err)}); layerctl gc removes it`, { cause });
  }
}
