import type { Digest, ImageConfig, ImageManifest, Root } from '@layerctl/snapshotter';
import type { SnapshotContext } from '../with-snapshotter.ts';
import { containerLayerTar } from './container-layer.ts';
import type { ContainerRecord } from './container-store.ts';
import { setContainerPaused } from './pause-container.ts';

/** Variables the runtime sets per container; an image committed from one must not carry them. */
const RUNTIME_ENV = ['HOSTNAME='];
/** How the commit's layer is stored, as build and import store theirs. */
const COMMIT_COMPRESSION = 'zstd';

/**
 * `commit CTR NAME`: the container's rw layer becomes a new layer on top of its image's, under a
 * new image NAME whose config keeps the container's command, environment, working directory and
 * user (Docker's commit). The layer is streamed from the driver's diff straight into the content
 * store (DiffID and blob digest computed on the way); blobs are leased until the name is recorded.
 * A running container is paused meanwhile, as Docker's commit does, so the layer is one moment
 * of its files rather than a tar of files changing under it. Returns the new image id.
 */
export async function commitContainer(context: SnapshotContext, record: ContainerRecord, ref: string): Promise<Digest> {
  if (record.state !== 'running') return commitLayer(context, record, ref);
  await setContainerPaused(context.root.metadata, record, true);
  try {
    return await commitLayer(context, record, ref);
  } finally {
    await setContainerPaused(context.root.metadata, { ...record, state: 'paused' }, false);
  }
}

async function commitLayer(context: SnapshotContext, record: ContainerRecord, ref: string): Promise<Digest> {
  const { root, api } = context;
  const image = await api.inspectImage(root, record.imageId);
  const lease = api.openLease(root.metadata);
  try {
    const layer = await api.writeLayerBlob(root.content, containerLayerTar(context, record), COMMIT_COMPRESSION);
    lease.addBlob(layer.digest);
    const created = new Date().toISOString();
    const config: ImageConfig = {
      ...image.config,
      created,
      config: {
        ...image.config.config,
        Env: record.config.env.filter((entry) => !RUNTIME_ENV.some((prefix) => entry.startsWith(prefix))),
        Entrypoint: record.config.imageEntrypoint,
        Cmd: record.config.imageCmd,
        WorkingDir: record.config.cwd,
        User: record.config.user,
      },
      rootfs: { type: 'layers', diff_ids: [...image.config.rootfs.diff_ids, layer.diffId] },
      history: [...(image.config.history ?? []), { created, created_by: `layerctl commit ${record.name}` }],
    };
    const configDescriptor = await storeJson(root, lease, api.OCI_CONFIG, config);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: api.OCI_MANIFEST,
      config: configDescriptor,
      layers: [
        ...image.layers.map((existing) => ({ mediaType: existing.mediaType, digest: existing.digest, size: existing.size })),
        { mediaType: api.layerMediaType(COMMIT_COMPRESSION), digest: layer.digest, size: layer.size },
      ],
    };
    const stored = await storeJson(root, lease, api.OCI_MANIFEST, manifest);
    const name = api.normalizeName(ref);
    root.metadata.write((db) => api.ImageStore.record(db, { name, manifestDigest: stored.digest, configDigest: configDescriptor.digest, createdAt: Date.now() }));
    return configDescriptor.digest;
  } finally {
    lease.release();
  }
}

/** A small JSON document stored as a blob, leased before it lands. */
async function storeJson(root: Root, lease: ReturnType<SnapshotContext['api']['openLease']>, mediaType: string, document: unknown): Promise<{ mediaType: string; digest: Digest; size: number }> {
  const { sha256Digest } = await import('@layerctl/snapshotter');
  const bytes = Buffer.from(JSON.stringify(document), 'utf8');
  const digest = sha256Digest(bytes);
  lease.addBlob(digest);
  await root.content.ingest(single(bytes), { digest, size: bytes.length });
  return { mediaType, digest, size: bytes.length };
}

async function* single(chunk: Buffer): AsyncGenerator<Buffer> {
  yield chunk;
}
