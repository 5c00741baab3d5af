import type { SnapshotInfo } from '@layerctl/snapshotter';
import { kindWord } from './snapshot-document.ts';
import { table } from './table.ts';

/** `layerctl snapshot ls` as `ctr snapshots ls` prints it: KEY, PARENT (empty for a base), KIND. */
export function snapshotsTable(snapshots: readonly SnapshotInfo[]): string {
  return table(
    ['KEY', 'PARENT', 'KIND'],
    snapshots.map((info) => [info.name, info.parent ?? '', kindWord(info.kind)]),
  );
}
