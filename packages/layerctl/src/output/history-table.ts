import type { HistoryItem } from '@layerctl/snapshotter';
import { humanSize } from './human-size.ts';
import { shortId } from './short-id.ts';
import { table } from './table.ts';
import { timeAgo } from './time-ago.ts';

/** docker history cuts CREATED BY to this many characters unless --no-trunc. */
const CREATED_BY_WIDTH = 45;
/** Docker's word for a step whose own image id is not known locally. */
const MISSING = '<missing>';

/**
 * `layerctl history` as docker prints it: newest step first, the image's id on that step and
 * `<missing>` below it (the steps below have no image of their own here).
 */
export function historyTable(imageId: string, steps: readonly HistoryItem[], options: { truncate: boolean }, now: Date = new Date()): string {
  return table(
    ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
    steps.map((step, index) => [
      index === 0 ? shortId(imageId) : MISSING,
      step.created === undefined ? '' : timeAgo(new Date(step.created), now),
      options.truncate ? truncate(step.createdBy) : step.createdBy,
      humanSize(step.layer?.size ?? 0),
      step.comment ?? '',
    ]),
  );
}

function truncate(text: string): string {
  return text.length <= CREATED_BY_WIDTH ? text : `${text.slice(0, CREATED_BY_WIDTH - 1)}…`;
}
