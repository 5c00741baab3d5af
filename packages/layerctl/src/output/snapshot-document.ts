import type { SnapshotInfo, SnapshotKind } from '@layerctl/snapshotter';

/** A snapshot as `snapshot stat --json` and `snapshot ls --json` print it; no parent is null. */
export function snapshotDocument(info: SnapshotInfo) {
  return {
    name: info.name,
    parent: info.parent ?? null,
    kind: info.kind,
    labels: info.labels,
    created: info.created.toISOString(),
    updated: info.updated.toISOString(),
  };
}

/** The kind as ctr prints it (containerd's Kind.String()): Active, View, Committed. */
export function kindWord(kind: SnapshotKind): string {
  return `${kind.charAt(0).toUpperCase()}${kind.slice(1)}`;
}
