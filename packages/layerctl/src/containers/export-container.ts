import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { FailedPreconditionError, isMountPoint } from '@layerctl/sys';
import type { SnapshotContext } from '../with-snapshotter.ts';
import { containerPaths, rwLayerKey } from './container-paths.ts';
import { isLive } from './container-signals.ts';
import type { ContainerRecord } from './container-store.ts';

/**
 * `export CTR`: the container's merged root filesystem (image, init and rw layers as the
 * container sees them; volumes are not part of it, as with Docker) as one tar, streamed to a
 * file or stdout. A stopped container's rw layer is mounted for the time of the export.
 */
export async function exportContainer(context: SnapshotContext, record: ContainerRecord, output: string | undefined): Promise<void> {
  const { rootfs } = containerPaths(context.root.dir, record.id);
  const mountedHere = !isMountPoint(rootfs);
  if (mountedHere) {
    if (isLive(record)) throw new FailedPreconditionError(`container ${record.name} is ${record.state} but its root filesystem is not mounted at ${rootfs}`);
    fs.mkdirSync(rootfs, { recursive: true });
    context.api.mountAll(context.snapshotter.mounts(rwLayerKey(record.id)), rootfs);
  }
  try {
    const sink = output === undefined ? process.stdout : fs.createWriteStream(output, { mode: 0o644 });
    await pipeline(context.api.packTree(rootfs), sink);
  } finally {
    if (mountedHere) context.api.unmountAll(rootfs);
  }
}
