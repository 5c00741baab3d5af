import { InvalidArgumentError } from '@layerctl/sys';
import type { MountApi } from './mount-options.ts';

/**
 * The options a user can force (`--storage-opt` style, as Docker's `overlay2.size`); by default
 * the probe chooses. Forcing shows in status() like a probed choice.
 */
export interface Overlay2Options {
  /** `overlay2.mount_api=new|legacy`: fsconfig lowerdir+, or one mount(2) option string. */
  mountApi?: MountApi;
  /** `overlay2.diff=native|naive`: read the upper dir, or compare whole trees. */
  diff?: DiffMode;
}

export type DiffMode = 'native' | 'naive';

/** The option that forces the mount API. */
export const MOUNT_API_OPTION = 'overlay2.mount_api';
const DIFF = 'overlay2.diff';

export function parseOverlay2Options(options: Record<string, string>): Overlay2Options {
  const parsed: Overlay2Options = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === MOUNT_API_OPTION) parsed.mountApi = oneOf(key, value, ['new', 'legacy'] as const);
    else if (key === DIFF) parsed.diff = oneOf(key, value, ['native', 'naive'] as const);
    else throw new InvalidArgumentError(`overlay2: unknown option ${JSON.stringify(key)} (known: ${MOUNT_API_OPTION}, ${DIFF})`);
  }
  return parsed;
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new InvalidArgumentError(`overlay2: option ${key}=${JSON.stringify(value)}: expected ${allowed.join(' or ')}`);
  return found;
}
