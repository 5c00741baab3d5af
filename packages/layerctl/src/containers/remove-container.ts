import fs from 'node:fs';
import { FailedPreconditionError, isMountPoint } from '@layerctl/sys';
import type { SnapshotContext } from '../with-snapshotter.ts';
import { containerPaths, initLayerKey, initWorkKey, rwLayerKey } from './container-paths.ts';
import { isLive, stopContainer } from './container-signals.ts';
import { runRuntime } from './runtime-command.ts';
import { ContainerStore, type ContainerRecord } from './container-store.ts';
import { disconnectContainer } from '../networks/connect-network.ts';

/**
 * Removes a container: its process (only with `force`: SIGKILL), its rootfs mount, its cgroups,
 * its rw and init layers, its directory, then its record. The record goes last, so a crash part
 * way leaves a record that `rm` finishes; every step accepts that an earlier run did it already.
 * Named volumes stay: their data outlives the containers that use them.
 */
export async function removeContainer(context: SnapshotContext, record: ContainerRecord, options: { force: boolean } & ReleaseOptions): Promise<void> {
  if (isLive(record)) {
    if (!options.force) throw new FailedPreconditionError(`container ${record.name} is ${record.state}; stop it first, or remove it with rm -f`);
    await stopContainer(record, 0, 'SIGKILL');
  }
  await releaseRuntime(context, record, options);
  await removeLayers(context, record);
  const paths = containerPaths(context.root.dir, record.id);
  // Never a recursive remove while the rootfs is mounted: it would delete the container's files through the mount.
  if (isMountPoint(paths.rootfs)) throw new FailedPreconditionError(`container ${record.name}: ${paths.rootfs} is still mounted; unmount it and rm again`);
  fs.rmSync(paths.dir, { recursive: true, force: true });
  new ContainerStore(context.root.metadata).remove(record.id);
}

export interface ReleaseOptions {
  /** Our executor removed the cgroups itself as the container's PID 1 exited: they are not looked for again. */
  cgroupRemoved?: boolean;
}

/** What a container holds only while it runs: its rootfs mount and its cgroups. Done again harmlessly. */
export async function releaseRuntime(context: Pick<SnapshotContext, 'root' | 'api'>, record: ContainerRecord, options: ReleaseOptions = {}): Promise<void> {
  // crun and runc keep state of their own (and the cgroups); delete -f ends what is left of it.
  if (record.config.runtime !== 'layerctl') runRuntime(record.config.runtime, ['delete', '--force', record.id], { missingOk: true });
  context.api.unmountAll(containerPaths(context.root.dir, record.id).rootfs);
  if (options.cgroupRemoved !== true) {
    const { openCgroup } = await import('@layerctl/executor');
    openCgroup(record.config.cgroupsPath)?.remove();
  }
  disconnectContainer(context.root, record.id);
}

/**
 * The rw layer, the init layer and a half-made init layer's work key, whichever of them exist, in
 * one metadata transaction (children before parents), then their driver layers.
 */
async function removeLayers(context: SnapshotContext, record: ContainerRecord): Promise<void> {
  const keys = [rwLayerKey(record.id), initLayerKey(record.id), initWorkKey(record.id)];
  await context.snapshotter.removeChosen((db) => {
    const present = new Set(db.prepare('SELECT key FROM snapshots WHERE key IN (?, ?, ?)').all(...keys).map((row) => context.api.rowText(row, 'snapshots', 'key')));
    return keys.filter((key) => present.has(key));
  });
}
