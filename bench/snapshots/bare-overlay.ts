import path from 'node:path';
import {
  InvalidArgumentError,
  mount,
  mountWithFsconfig,
  NotSupportedError,
  umount2,
} from '@layerctl/sys';
import { MOUNT_DATA_MAX, type Mount } from '@layerctl/snapshotter';

/**
 * The baseline: the same overlay the driver asked for (its lower dirs, in its order, and its
 * extra options such as index=off) with an upper and work dir of the bench's own, mounted with
 * nothing but @layerctl/sys calls. With the new mount API that is fsopen, one fsconfig per
 * option, create, fsmount, move_mount; with the legacy one a single mount(2) data string.
 * It repeats perform-mount.ts's fsconfig loop on purpose: a baseline that shared the code it is
 * measured against would hide that code's cost.
 */

export interface BareOverlay {
  api: 'new' | 'legacy';
  lowers: string[];
  /** Options other than the lower, upper and work dirs: `index=off`, `userxattr`. */
  extra: string[];
}

const LOWER_APPEND = 'lowerdir+=';
const LOWER_LIST = 'lowerdir=';
const OWN_DIRS = ['upperdir=', 'workdir='];

/** The bare form of the overlay in `mounts` (one writable overlay mount, as prepare on a parent returns). */
export function bareOverlayOf(mounts: readonly Mount[]): BareOverlay {
  const [only] = mounts;
  if (mounts.length !== 1 || only === undefined || only.type !== 'overlay') {
    throw new InvalidArgumentError(`bare overlay: expected one overlay mount, got ${JSON.stringify(mounts.map((m) => m.type))}`);
  }
  const lowers: string[] = [];
  const extra: string[] = [];
  let api: BareOverlay['api'] = 'legacy';
  for (const option of only.options) {
    if (option.startsWith(LOWER_APPEND)) {
      api = 'new';
      lowers.push(option.slice(LOWER_APPEND.length));
    } else if (option.startsWith(LOWER_LIST)) lowers.push(...option.slice(LOWER_LIST.length).split(':'));
    else if (!OWN_DIRS.some((prefix) => option.startsWith(prefix))) extra.push(option);
  }
  return { api, lowers, extra };
}

/** Mounts `overlay` on `target` with `upper` and `work` as its writable dirs. */
export function mountBare(overlay: BareOverlay, upper: string, work: string, target: string): void {
  if (overlay.api === 'legacy') return mountLegacy(overlay, upper, work, target);
  const options = ['source=overlay', ...overlay.lowers.map((lower) => `lowerdir+=${lower}`), `upperdir=${upper}`, `workdir=${work}`, ...overlay.extra];
  mountWithFsconfig('overlay', options, target);
}

export function unmountBare(target: string): void {
  umount2(target);
}

/**
 * One mount(2) data string. When the absolute paths do not fit in a page, they are given relative
 * to the lower dirs' folder (overlay2's l/, so each lower is its short name alone) with the
 * process's working directory there for the call: Docker's form, done in-process.
 */
function mountLegacy(overlay: BareOverlay, upper: string, work: string, target: string): void {
  const data = (lowers: string[], upperDir: string, workDir: string): string =>
    [`lowerdir=${lowers.join(':')}`, `upperdir=${upperDir}`, `workdir=${workDir}`, ...overlay.extra].join(',');
  const absolute = data(overlay.lowers, upper, work);
  if (absolute.length <= MOUNT_DATA_MAX) return mount('overlay', target, 'overlay', 0, absolute);
  const cwd = path.dirname(overlay.lowers[0] ?? '/');
  const relative = (p: string): string => path.relative(cwd, p);
  const short = data(overlay.lowers.map(relative), relative(upper), relative(work));
  if (short.length > MOUNT_DATA_MAX) {
    throw new NotSupportedError(`bare mount(2) of ${overlay.lowers.length} lower dirs: ${short.length} bytes of options even relative to ${cwd}, one page takes ${MOUNT_DATA_MAX}`);
  }
  const before = process.cwd();
  process.chdir(cwd);
  try {
    mount('overlay', path.resolve(before, target), 'overlay', 0, short);
  } finally {
    process.chdir(before);
  }
}
