import { InvalidArgumentError } from '@layerctl/sys';

/** The mount path: kernel aufs, or fuse-overlayfs over the same branches. */
export type MountPath = 'kernel' | 'fuse';

/** Options a user can force; by default the probe chooses (kernel aufs where the kernel has it). */
export interface AufsOptions {
  /** `aufs.mount=kernel|fuse` */
  mountPath?: MountPath;
}

export const MOUNT_PATH_OPTION = 'aufs.mount';
const PATHS: readonly MountPath[] = ['kernel', 'fuse'];

export function parseAufsOptions(options: Record<string, string>): AufsOptions {
  const parsed: AufsOptions = {};
  for (const [key, value] of Object.entries(options)) {
    if (key !== MOUNT_PATH_OPTION) throw new InvalidArgumentError(`aufs: unknown option ${JSON.stringify(key)} (known: ${MOUNT_PATH_OPTION})`);
    const path = PATHS.find((p) => p === value);
    if (path === undefined) throw new InvalidArgumentError(`aufs: option ${key}=${JSON.stringify(value)}: expected ${PATHS.join(' or ')}`);
    parsed.mountPath = path;
  }
  return parsed;
}
