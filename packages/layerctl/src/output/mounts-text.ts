import type { Mount } from '@layerctl/snapshotter';

/**
 * `layerctl snapshot mounts KEY`: one line a mount, `TYPE SOURCE OPTIONS` (options comma
 * separated), in the order they stack on a target, like a line of /proc/mounts without the target.
 */
export function mountsText(mounts: readonly Mount[]): string {
  return mounts.map((m) => `${m.type} ${m.source} ${m.options.join(',')}\n`).join('');
}
