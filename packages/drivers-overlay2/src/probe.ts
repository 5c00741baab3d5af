import fs from 'node:fs';
import path from 'node:path';
import { backingFilesystem, errorCode, errorMessage, mountAll, readOptional, tempName, unmountAll, type Mount } from '@layerctl/snapshotter';
import { lgetxattr, LayerctlError, NotSupportedError } from '@layerctl/sys';
import type { MountApi } from './mount-options.ts';
import { isWhiteoutDevice, OPAQUE_NAME, OPAQUE_VALUE, TRUSTED_OVERLAY_PREFIX, USER_OVERLAY_PREFIX } from './whiteout.ts';

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
  /** The overlay module's defaults as /sys shows them (`redirect_dir=N metacopy=N index=N`), for status; the probe's tries decide. */
  moduleDefaults: string;
  /** Where overlay keeps its xattrs here: TRUSTED_OVERLAY_PREFIX, or USER_OVERLAY_PREFIX inside a user namespace. */
  xattrPrefix: string;
}

/** Where the module's defaults are, as the kernel exposes them. */
const OVERLAY_PARAMETERS = '/sys/module/overlay/parameters';
/** The module parameters status() shows. */
const REPORTED_PARAMETERS = ['redirect_dir', 'metacopy', 'index'];
/** The upper copy of a file whose content stayed below carries `<prefix>metacopy` (metacopy=on). */
const METACOPY_NAME = 'metacopy';
/** What /proc/self/uid_map holds in the initial user namespace: every uid mapped to itself. */
const INITIAL_UID_MAP = ['0', '0', '4294967295'];


/** Probes overlay on the filesystem of `home`, in a scratch dir under `tmpDir` (same filesystem). */
export function probe(home: string, tmpDir: string): ProbeResult {
  const backingFs = backingFilesystem(home);
  if (backingFs === 'overlayfs') throw new NotSupportedError(`overlay2: ${home} is itself on overlayfs, which cannot be an upper dir`);
  const userns = inUserNamespace();
  const extraOptions = [...(moduleParameter('index') === 'Y' ? ['index=off'] : []), ...(userns ? ['userxattr'] : [])];
  const xattrPrefix = userns ? USER_OVERLAY_PREFIX : TRUSTED_OVERLAY_PREFIX;
  const dir = path.join(tmpDir, tempName('overlay2-probe'));
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const moduleDefaults = REPORTED_PARAMETERS.map((name) => `${name}=${moduleParameter(name) ?? '?'}`).join(' ');
    return { backingFs, extraOptions, xattrPrefix, moduleDefaults, ...tryOverlay(dir, extraOptions, xattrPrefix) };
  } finally {
    // tryOverlay has taken its mount down whether it returned or threw; were one left (its
    // umount2 failed), what it shows lies inside `dir` too, so this remove stays inside `dir`.
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function tryOverlay(dir: string, extra: string[], prefix: string): Omit<ProbeResult, 'backingFs' | 'extraOptions' | 'xattrPrefix' | 'moduleDefaults'> {
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
  try {
    return { mountApi, ...tryChanges(merged, upper, prefix) };
  } finally {
    // Only a mount that was made is taken down: where mounting failed (no CAP_SYS_ADMIN),
    // umount2 fails too, and its EPERM would hide the mount error that says why.
    unmountAll(merged);
  }
}

/** Makes the changes whose traces in `upper` tell what this overlay does, through its `merged` dir. */
function tryChanges(merged: string, upper: string, prefix: string): Pick<ProbeResult, 'dType' | 'redirectDir' | 'metacopy'> {
  fs.rmSync(path.join(merged, 'deleted'));
  fs.rmSync(path.join(merged, 'opaque'), { recursive: true });
  fs.mkdirSync(path.join(merged, 'opaque'));
  fs.chmodSync(path.join(merged, 'chmodded'), 0o600);
  const redirectDir = tryRename(path.join(merged, 'renamed'), path.join(merged, 'renamed-to'));

  const whiteout = fs.lstatSync(path.join(upper, 'deleted'), { throwIfNoEntry: false });
  if (whiteout === undefined || !isWhiteoutDevice(whiteout)) {
    throw new NotSupportedError(`overlay2: deleting a lower file made no char 0/0 whiteout in the upper dir (${path.join(upper, 'deleted')})`);
  }
  const opaqueXattr = `${prefix}${OPAQUE_NAME}`;
  if (lgetxattr(path.join(upper, 'opaque'), opaqueXattr)?.toString() !== OPAQUE_VALUE) {
    throw new NotSupportedError(`overlay2: a recreated directory was not marked ${opaqueXattr}=${OPAQUE_VALUE} (no xattrs on the backing filesystem?)`);
  }
  return {
    dType: !fs.readdirSync(merged).includes('deleted'),
    redirectDir,
    metacopy: lgetxattr(path.join(upper, 'chmodded'), `${prefix}${METACOPY_NAME}`) !== undefined,
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
      throw new NotSupportedError(`overlay2: overlayfs does not mount here (${errorMessage(legacyError)}; new mount API: ${errorMessage(newApiError)})`, {
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
    if (errorCode(err) === 'EXDEV') return false;
    throw err;
  }
}

/** Whether this process runs in a user namespace other than the initial one (rootless, or a container's). */
export function inUserNamespace(): boolean {
  const map = readOptional('/proc/self/uid_map')?.trim().split(/\s+/) ?? INITIAL_UID_MAP;
  return map.join(' ') !== INITIAL_UID_MAP.join(' ');
}

/** A parameter of the overlay module ('Y', 'N', a number), or undefined when the module does not show it. */
function moduleParameter(name: string): string | undefined {
  return readOptional(path.join(OVERLAY_PARAMETERS, name))?.trim();
}
