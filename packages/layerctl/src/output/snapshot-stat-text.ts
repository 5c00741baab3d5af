import type { SnapshotInfo } from '@layerctl/snapshotter';
import { kindWord } from './snapshot-document.ts';

/** `layerctl snapshot stat KEY`: one `Field: value` line each, labels as `k=v` lines below `Labels:`. */
export function snapshotStatText(info: SnapshotInfo): string {
  const lines = [
    `Name: ${info.name}`,
    `Parent: ${info.parent ?? ''}`,
    `Kind: ${kindWord(info.kind)}`,
    `Created: ${info.created.toISOString()}`,
    `Updated: ${info.updated.toISOString()}`,
    'Labels:',
    ...Object.entries(info.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ` ${key}=${value}`),
  ];
  return `${lines.join('\n')}\n`;
}
