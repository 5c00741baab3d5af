import fs from 'node:fs';
import path from 'node:path';
import { mountAll, tempName, unmountAll, type Mount } from '@layerctl/snapshotter';
import { lgetxattr, LayerctlError, NotSupportedError } from '@layerctl/sys';
import type { MountApi } from './mount-options.ts';
import { readOptional } from './read-optional.ts';
import { isWhiteoutDevice, OPAQUE_XATTR, OPAQUE_VALUE, OVERLAY_XATTR_PREFIX } from './whiteout.ts';

/**
 * What this host's overlayfs does, found by trying it (never by kernel version, as moby's
 * overlayutils/check.go): a tiny overlay under <root>/tmp, on the filesystem the layers live on.
 */
export interface ProbeResult {
  backingFs: string;
  /** Whether readdir of a merged dir hides whiteouts, which overlay can only do with d_type. */
  dType: boolean;
  mountApi: MountApi;
  /** Renaming a lower directory works (redirect_dir): the upper dir then holds redirects, not the moved tree. */
  redirectDir: boolean;
  /** A metadata change copies up metadata only: the upper file then has no content of its own. */
  metacopy: boolean;
  /** Options every overlay mount gets. */
  extraOptions: string[];
}

/** Where the module's defaults are, as the kernel exposes them. */
const OVERLAY_PARAMETERS = '/sys/module/overlay/parameters';
/** The upper copy of a file whose content stayed below carries this (metacopy=on). */
const METACOPY_XATTR = `${OVERLAY_XATTR_PREFIX}metacopy`;

/** statfs f_type magic numbers (<linux/magic.h>) of the filesystems layers are kept on. */
const FS_NAMES: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
};
const OVERLAY_MAGIC = 0x794c7630;

/** Probes overlay on the filesystem of `home`, in a scratch dir under `tmpDir` (same filesystem). */
export function probe(home: string, tmpDir: string): ProbeResult {
  const type = fs.statfsSync(home).type;
  const backingFs = FS_NAMES[type] ?? `0x${type.toString(16)}`;
  if (type === OVERLAY_MAGIC) throw new NotSupportedError(`overlay2: ${home} is itself on overlayfs, which cannot be an upper dir`);
  const extraOptions = moduleParameter('index') === 'Y' ? ['index=off'] : [];
  const dir = path.join(tmpDir, tempName('overlay2-probe'));
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    return { backingFs, extraOptions, ...tryOverlay(dir, extraOptions) };
  } finally {
    // Removed only once unmounted: a recursive remove through a mount would delete what it shows.
    unmountAll(path.join(dir, 'merged'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function tryOverlay(dir: string, extra: string[]): Omit<ProbeResult, 'backingFs' | 'extraOptions'> {
  const made = (name: string): string => {
    fs.mkdirSync(path.join(dir, name));
    return path.join(dir, name);
  };
  const [lower, lower2, upper, work, merged] = [made('lower'), made('lower2'), made('upper'), made('work'), made('merged')];
  fs.writeFileSync(path.join(lower, 'deleted'), '');
  fs.writeFileSync(path.join(lower, 'chmodded'), 'content');
  fs.mkdirSync(path.join(lower, 'opaque'));
  fs.writeFileSync(path.join(lower, 'opaque', 'hidden'), '');
  fs.mkdirSync(path.join(lower, 'renamed'));
  fs.writeFileSync(path.join(lower2, 'second'), '');

  const mountApi = mountEither(lower, lower2, upper, work, merged, extra);
  fs.rmSync(path.join(merged, 'deleted'));
  fs.rmSync(path.join(merged, 'opaque'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'opaque'));
  fs.chmodSync(path.join(merged, 'chmodded'), 0o600);
  const redirectDir = tryRename(path.join(merged, 'renamed'), path.join(merged, 'renamed-to'));

  const whiteout = fs.lstatSync(path.join(upper, 'deleted'), { throwIfNoEntry: false });
  if (whiteout === undefined || !isWhiteoutDevice(whiteout)) {
    throw new NotSupportedError(`overlay2: deleting a lower file made no char 0/0 whiteout in the upper dir (${path.join(upper, 'deleted')})`);
  }
  if (lgetxattr(path.join(upper, 'opaque'), OPAQUE_XATTR)?.toString() !== OPAQUE_VALUE) {
    throw new NotSupportedError(`overlay2: a recreated directory was not marked ${OPAQUE_XATTR}=${OPAQUE_VALUE} (trusted xattrs missing?)`);
  }
  return {
    mountApi,
    dType: !fs.readdirSync(merged).includes('deleted'),
    redirectDir,
    metacopy: lgetxattr(path.join(upper, 'chmodded'), METACOPY_XATTR) !== undefined,
  };
}

/** The new API with lowerdir+ (Linux 6.8) when it works, else one mount(2) data string. */
function mountEither(lower: string, lower2: string, upper: string, work: string, merged: string, extra: string[]): MountApi {
  const tail = [`upperdir=${upper}`, `workdir=${work}`, ...extra];
  const overlay = (lowers: string[]): Mount[] => [{ type: 'overlay', source: 'overlay', options: [...lowers, ...tail] }];
  try {
    mountAll(overlay([`lowerdir+=${lower}`, `lowerdir+=${lower2}`]), merged);
    return 'new';
  } catch (newApiError) {
    if (!(newApiError instanceof LayerctlError)) throw newApiError;
    try {
      mountAll(overlay([`lowerdir=${lower}:${lower2}`]), merged);
      return 'legacy';
    } catch (legacyError) {
      throw new NotSupportedError(`overlay2: overlayfs does not mount here (${String(legacyError)}; new mount API: ${String(newApiError)})`, {
        cause: legacyError,
      });
    }
  }
}

/** Renaming a directory from a lower layer works only with redirect_dir; without, the kernel says EXDEV. */
function tryRename(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'EXDEV') return false;
    throw err;
  }
}

/** A parameter of the overlay module ('Y', 'N', a number), or undefined when the module does not show it. */
export function moduleParameter(name: string): string | undefined {
  return readOptional(path.join(OVERLAY_PARAMETERS, name))?.trim();
}
