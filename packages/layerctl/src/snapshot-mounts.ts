import { FailedPreconditionError, mountPoints } from '@layerctl/sys';
import type { Root, Snapshotter } from './with-root.ts';

/** The table (metadata.db, migration 3) that holds what `snapshot mount` put up. */
const TABLE = 'snapshot_mounts';

/**
 * The snapshots `layerctl snapshot mount KEY TARGET` put on a user's directory, kept in
 * metadata.db so that `snapshot rm KEY` refuses while TARGET still shows the layer: removing it
 * would delete the files under the live mount.
 *
 * A row is written before the mount is made (a crash in between leaves a row, never a mount
 * without one) and deleted by `snapshot unmount TARGET`. A row whose target is no longer a mount
 * point (unmounted by hand, a reboot) is stale; rm drops it when it finds it.
 *
 * Targets are real paths (symlinks resolved), as /proc/self/mountinfo names mount points.
 */
export class SnapshotMounts {
  readonly #root: Root;
  readonly #api: Snapshotter;

  constructor(root: Root, api: Snapshotter) {
    this.#root = root;
    this.#api = api;
  }

  /** Records `key` on `target`; false when that very row was already there. */
  record(key: string, target: string): boolean {
    return this.#root.metadata.write((db) => db.prepare(`INSERT INTO ${TABLE} (key, target) VALUES (?, ?) ON CONFLICT DO NOTHING`).run(key, target).changes === 1);
  }

  /** Forgets `key` on `target` (a mount that failed). */
  forget(key: string, target: string): void {
    this.#root.metadata.write((db) => db.prepare(`DELETE FROM ${TABLE} WHERE key = ? AND target = ?`).run(key, target));
  }

  /** Forgets every snapshot on `target`, which `snapshot unmount` has just emptied. */
  forgetTarget(target: string): void {
    this.#root.metadata.write((db) => db.prepare(`DELETE FROM ${TABLE} WHERE target = ?`).run(target));
  }

  /**
   * Refuses (FailedPreconditionError) when `key` is mounted on a recorded target that is still a
   * mount point; drops the rows of targets that no longer are.
   */
  checkNotMounted(key: string): void {
    const targets = this.#root.metadata.read((db) => db.prepare(`SELECT target FROM ${TABLE} WHERE key = ? ORDER BY target`).all(key));
    const points = mountPoints();
    for (const row of targets) {
      const target = this.#api.rowText(row, TABLE, 'target');
      if (points.includes(target)) throw new FailedPreconditionError(`snapshot ${key} is mounted at ${target}; layerctl snapshot unmount ${target} first`);
      this.forget(key, target);
    }
  }
}
