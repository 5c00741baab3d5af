import { MOUNT_DATA_MAX, relativeMountOptions, type Mount } from '@layerctl/snapshotter';
import { NotSupportedError } from '@layerctl/sys';
import { MOUNT_API_OPTION } from './driver-options.ts';

/**
 * The Mount data of one layer, as pure functions of its paths: what perform-mount.ts turns into
 * fsconfig calls (one `lowerdir+=` per layer) or one mount(2) data string.
 */

/** The kernel's own limit on lower layers of one overlay (OVL_MAX_STACK in fs/overlayfs/params.c). */
export const MAX_LOWER_LAYERS = 500;

/** How overlay mounts are made: fsconfig `lowerdir+` (Linux 6.8) or one mount(2) data string. */
export type MountApi = 'new' | 'legacy';

/** The mount API in use, and why, for the error that its limits cause. */
export interface MountApiChoice {
  api: MountApi;
  /** Who chose it: the probe (what this kernel can do) or the overlay2.mount_api option. */
  chosenBy: 'probe' | 'option';
}

export interface LayerMountPaths {
  /** The layer's name, for error messages. */
  id: string;
  /** Lower dirs, nearest first: for a read-only layer its own diff dir comes first. */
  lowers: readonly string[];
  /** The writable layer's diff and work dirs; absent for a read-only layer. */
  upper?: { diff: string; work: string };
  /** Options the probe asked for on every overlay mount (`index=off`, `userxattr`). */
  extra: readonly string[];
}

/**
 * One Mount for the layer:
 * - a writable layer without parents is its diff dir, bound in place (nothing to overlay);
 * - a read-only layer without parents is its diff dir bound read-only;
 * - anything else is one overlay: the lowers, then upper and work dirs, or `ro` without them.
 */
export function layerMounts(paths: LayerMountPaths, { api, chosenBy }: MountApiChoice): Mount[] {
  const { lowers, upper } = paths;
  if (lowers.length > MAX_LOWER_LAYERS) {
    throw new NotSupportedError(`overlay2 layer ${paths.id}: ${lowers.length} lower layers, overlay takes at most ${MAX_LOWER_LAYERS}`);
  }
  if (upper !== undefined && lowers.length === 0) return [{ type: 'bind', source: upper.diff, options: ['rbind', 'rw'] }];
  const [only] = lowers;
  if (upper === undefined && lowers.length === 1 && only !== undefined) return [{ type: 'bind', source: only, options: ['rbind', 'ro'] }];
  const tail = upper === undefined ? ['ro'] : [`upperdir=${upper.diff}`, `workdir=${upper.work}`];
  if (api === 'new') {
    return [{ type: 'overlay', source: 'overlay', options: [...lowers.map((lower) => `lowerdir+=${lower}`), ...tail, ...paths.extra] }];
  }
  const options = [`lowerdir=${lowers.join(':')}`, ...tail, ...paths.extra];
  // What mount(2) gets at best: paths relative to the overlay2 dir (`l/<short>`, as Docker
  // passes them; perform-mount.ts does this when the absolute form is too long), no flag words.
  const data = relativeMountOptions(options).options.filter((option) => option !== 'ro').join(',');
  if (data.length > MOUNT_DATA_MAX) {
    const why = chosenBy === 'option' ? `${MOUNT_API_OPTION}=legacy was asked for` : 'this kernel lacks fsconfig lowerdir+ (Linux 6.8)';
    throw new NotSupportedError(`overlay2 layer ${paths.id}: ${lowers.length} lower layers do not fit in one page of mount(2) options, and ${why}`);
  }
  return [{ type: 'overlay', source: 'overlay', options }];
}
