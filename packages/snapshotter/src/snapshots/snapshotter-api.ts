import type { Mount } from '../mount/mount.ts';

/**
 * The Snapshotter: containerd's snapshot model on top of any Driver.
 *
 * Terms: a `key` names an active snapshot (writable, made by prepare) or a view (read-only, made
 * by view); a `name` names a committed snapshot. Keys and names share ONE key space. An active
 * snapshot never becomes committed in place: commit(name, key) makes a committed snapshot `name`
 * from the contents of active `key`, and `key` is gone afterwards.
 *
 * Rules (test/conformance checks each one):
 * - Only committed snapshots can be parents; prepare/view on an active or view parent is
 *   FailedPrecondition, on a missing parent NotFound; a key already in use is AlreadyExists.
 * - A snapshot with children cannot be removed (FailedPrecondition).
 * - Views are read-only: a write through their mounts fails with EROFS. Views cannot be committed.
 * - update() changes labels only; naming any other field is InvalidArgument.
 * - Every operation is one metadata transaction, with the driver's side effects ordered so that
 *   a crash leaves only garbage gc removes, never a snapshot the metadata names but the driver lacks.
 *
 * Importing a layer: prepare(tmpKey, parentChainId) → apply the layer tar to the mounts →
 * commit(chainId, tmpKey). Running a container: prepare(ctrKey, imageTopChainId) → mount → run.
 */
export type SnapshotKind = 'active' | 'view' | 'committed';

export interface SnapshotInfo {
  /** The key (active, view) or name (committed). */
  name: string;
  /** The committed parent's name, undefined for a base snapshot. */
  parent: string | undefined;
  kind: SnapshotKind;
  labels: Record<string, string>;
  created: Date;
  updated: Date;
}

export interface SnapshotUsage {
  /** Bytes used by this snapshot alone, not its parents. */
  size: number;
  inodes: number;
}

export interface SnapshotOptions {
  labels?: Record<string, string>;
}

/**
 * Filters for walk(), containerd's syntax: `name==x`, `parent==y`, `kind==committed`,
 * `labels."a.b"==v`, `labels.k` (present). Within one filter string, comma means AND; several
 * filter strings mean OR; none means everything.
 */
export type SnapshotFilter = string;

export interface Snapshotter {
  prepare(key: string, parent?: string, opts?: SnapshotOptions): Promise<Mount[]>;
  view(key: string, parent: string, opts?: SnapshotOptions): Promise<Mount[]>;
  commit(name: string, key: string, opts?: SnapshotOptions): Promise<void>;
  remove(key: string): Promise<void>;
  stat(key: string): SnapshotInfo;
  /** `fieldPaths` as containerd: 'labels' replaces all labels, 'labels.k' one; empty means labels. */
  update(info: Pick<SnapshotInfo, 'name' | 'labels'> & Partial<SnapshotInfo>, fieldPaths?: string[]): SnapshotInfo;
  usage(key: string): Promise<SnapshotUsage>;
  mounts(key: string): Mount[];
  walk(...filters: SnapshotFilter[]): SnapshotInfo[];
  close(): Promise<void>;
}
