import fs from 'node:fs';
import path from 'node:path';
import { isMountPoint, NotFoundError, readDirOptional } from '@layerctl/sys';
import type { SnapshotContext } from '../with-snapshotter.ts';
import { CONTAINER_LABEL, CONTAINERS_DIR, containerPaths, DEFAULT_CGROUP_PARENT } from './container-paths.ts';
import { ContainerStore } from './container-store.ts';
import { removeContainer } from './remove-container.ts';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export interface ContainerGarbageReport {
  /** --rm containers whose process is gone but whose removal never happened (their runner died). */
  removedContainers: string[];
  /** Snapshots labelled for a container that no longer exists. */
  removedSnapshots: string[];
  /** Container directories and cgroups no record names. */
  removedDirectories: string[];
  removedCgroups: string[];
}

/**
 * The container part of `layerctl gc`, run before the image part so that layers these held can
 * go too: --rm containers that exited unwatched, then what a container left when it went
 * without its record (a crash part way through rm or run): its labelled snapshots, its directory
 * (unmounted first), and its cgroups under the default parent (their processes killed first).
 */
export async function collectContainerGarbage(context: SnapshotContext): Promise<ContainerGarbageReport> {
  const store = new ContainerStore(context.root.metadata);
  const removedContainers: string[] = [];
  for (const record of store.list()) {
    if (record.config.autoRemove && record.state === 'exited') {
      await removeContainer(context, record, { force: false });
      removedContainers.push(record.id);
    }
  }
  // Asked at each removal, not listed once: a concurrent run records its container before it
  // makes any layer, directory or cgroup, so what it is making is never taken for a leftover.
  const known = (id: string): boolean => store.find(id) !== undefined;
  return {
    removedContainers,
    removedSnapshots: await removeOrphanSnapshots(context, known),
    removedDirectories: removeOrphanDirectories(context, known),
    removedCgroups: await removeOrphanCgroups(known),
  };
}

async function removeOrphanSnapshots(context: SnapshotContext, known: (id: string) => boolean): Promise<string[]> {
  const orphans = context.snapshotter.walk().filter((info) => {
    const owner = info.labels[CONTAINER_LABEL];
    return owner !== undefined && !known(owner);
  });
  // The rw layer (active) stands on the init layer (committed): children first.
  orphans.sort((a, b) => Number(a.kind === 'committed') - Number(b.kind === 'committed'));
  const removed: string[] = [];
  for (const info of orphans) {
    const owner = info.labels[CONTAINER_LABEL];
    if (owner === undefined || known(owner)) continue;
    context.api.unmountAll(containerPaths(context.root.dir, owner).rootfs);
    try {
      await context.snapshotter.remove(info.name);
      removed.push(info.name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return removed;
}

function removeOrphanDirectories(context: SnapshotContext, known: (id: string) => boolean): string[] {
  const removed: string[] = [];
  for (const id of listDir(path.join(context.root.dir, CONTAINERS_DIR))) {
    if (known(id)) continue;
    const paths = containerPaths(context.root.dir, id);
    context.api.unmountAll(paths.rootfs);
    // Never a recursive remove through a mount that would not come off.
    if (isMountPoint(paths.rootfs)) continue;
    fs.rmSync(paths.dir, { recursive: true, force: true });
    removed.push(paths.dir);
  }
  return removed;
}

async function removeOrphanCgroups(known: (id: string) => boolean): Promise<string[]> {
  const { detectCgroups, openCgroup } = await import('@layerctl/executor');
  const host = detectCgroups();
  const mounts = [...host.v1Mounts(), ...(host.v2 === undefined ? [] : [host.v2.mount])];
  const orphans = new Set(mounts.flatMap((mount) => listDir(path.join(mount, DEFAULT_CGROUP_PARENT))).filter((id) => CONTAINER_ID.test(id)));
  const removed: string[] = [];
  for (const id of orphans) {
    if (known(id)) continue;
    const cgroup = openCgroup(`${DEFAULT_CGROUP_PARENT}/${id}`, host);
    // The cgroup parent is shared by every root on the host: a cgroup this root does not know
    // may hold a live container of another root, so only an empty one is garbage.
    if (cgroup === undefined || cgroup.pids().length > 0) continue;
    cgroup.remove();
    removed.push(cgroup.path);
  }
  return removed;
}

function listDir(dir: string): string[] {
  return (readDirOptional(dir) ?? []).map((entry) => entry.name);
}
