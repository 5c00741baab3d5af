import type { ImageSummary } from '@layerctl/snapshotter';
import { humanSize } from './human-size.ts';
import { shortId } from './short-id.ts';
import { table } from './table.ts';
import { timeAgo } from './time-ago.ts';

/** `layerctl images` as docker prints it. */
export function imagesTable(images: readonly ImageSummary[], now: Date = new Date()): string {
  return table(
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
    images.map((image) => [image.name, image.tag, shortId(image.id), timeAgo(new Date(image.created), now), humanSize(image.size)]),
  );
}
