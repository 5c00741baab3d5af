import fs from 'node:fs';
import path from 'node:path';
import { UNPACKING_PID_LABEL, processAlive, tempName, tempNameOwner, unmountAll, type MetadataSnapshotter, type Root } from '@layerctl/snapshotter';

/**
 * `<root>/builds`: the mount points and runtime bundles of builds in progress, one folder each,
 * named by tempName so the owner's pid is in the name. They live outside tmp/ because openRoot
 * sweeps tmp/ with a recursive delete, which must never walk into a snapshot still mounted
 * there; here a dead build's folders are unmounted first, then removed.
 */
export const BUILDS_DIR = 'builds';

export class BuildWorkspace {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens the builds folder of `root`, clearing what dead builds left behind. */
  static open(root: Root): BuildWorkspace {
    const dir = path.join(root.dir, BUILDS_DIR);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(dir)) {
      const owner = tempNameOwner(name);
      if (owner !== undefined && !processAlive(owner)) removeFolder(path.join(dir, name));
    }
    return new BuildWorkspace(dir);
  }

  /**
   * Removes the read-only views killed builds left (labelled with a pid no longer alive), once
   * their mounts are gone (open() took them off): they would keep the layers below them from
   * ever being released. Their active snapshots are the layer store's to release.
   */
  static async removeDeadViews(snapshotter: MetadataSnapshotter): Promise<void> {
    for (const info of snapshotter.walk('kind==view')) {
      const owner = info.labels[UNPACKING_PID_LABEL];
      if (owner !== undefined && !processAlive(Number(owner))) await snapshotter.remove(info.name);
    }
  }

  /** A new empty folder for one mount point or bundle; `release` it when done. */
  folder(kind: string): string {
    const folder = path.join(this.dir, tempName(kind));
    fs.mkdirSync(folder, { mode: 0o700 });
    return folder;
  }

  release(folder: string): void {
    removeFolder(folder);
  }
}

/** Unmounts whatever is on `folder` (and on a folder right inside it), then removes it: never a delete through a mount. */
function removeFolder(folder: string): void {
  unmountAll(folder);
  const entries = fs.existsSync(folder) ? fs.readdirSync(folder, { withFileTypes: true }) : [];
  for (const entry of entries) if (entry.isDirectory()) unmountAll(path.join(folder, entry.name));
  fs.rmSync(folder, { recursive: true, force: true });
}
