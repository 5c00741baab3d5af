import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { readOptional } from '@layerctl/snapshotter';

/**
 * The tree under <root>/overlay2, Docker's overlay2 layout:
 *
 *   l/<short>           symlink to ../<id>/diff. The short names keep a mount's lowerdir list
 *                       small: a layer is named in mount options by `l/<short>`, not by its id.
 *   <id>/diff/          the layer's own files: the upper dir while it is written, a lower dir of
 *                       the layers above it afterwards. Whiteouts are char 0/0 devices here and
 *                       opaque directories carry trusted.overlay.opaque=y (user.overlay.opaque
 *                       with `userxattr`, inside a user namespace).
 *   <id>/link           the layer's short name (the name under l/), no newline.
 *   <id>/link.pending   the short name while create() makes its l/ link; renamed to `link` last.
 *   <id>/lower          its parents as `l/<short>:l/<short>...`, nearest first; absent for a base.
 *   <id>/work/          overlay's work dir, on the same filesystem as diff/ as the kernel requires.
 *   <id>/merged/        where mount(id) mounts the layer with everything below it.
 *   <id>/mount-count    how many mount(id) calls have no unmount(id) yet, across processes
 *                       (countMount in @layerctl/snapshotter); absent means 0. layerctl's own, not Docker's.
 *   <id>/mount-lock     held while the count changes; it names its owner's pid.
 *   probe.json          what the overlay probe found, and under which conditions (probe-cache.ts);
 *                       layerctl's own, not Docker's.
 *
 * A layer is complete once its `link` file exists: it is written last, so list() and gc can
 * tell a layer from the leftovers of a create() that did not finish.
 */

export const DRIVER_DIR = 'overlay2';
/** The folder of short links. */
export const LINK_DIR = 'l';
export const DIFF_DIR = 'diff';
export const WORK_DIR = 'work';
export const MERGED_DIR = 'merged';
export const LINK_FILE = 'link';
export const LOWER_FILE = 'lower';
export const PENDING_LINK_FILE = 'link.pending';
export const MOUNT_COUNT_FILE = 'mount-count';
export const MOUNT_LOCK_FILE = 'mount-lock';
export const PROBE_CACHE_FILE = 'probe.json';

/**
 * Short names are 26 characters, as Docker's: base32 of 16 random bytes (128 bits, so two never
 * meet). moby sized them so that 128 `l/<short>:` entries fit in one page of mount options; we
 * go past that with fsconfig `lowerdir+`, and keep the length for Docker's look on disk.
 */
export const SHORT_ID_LENGTH = 26;
const SHORT_ID_BYTES = 16;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A fresh random short name. */
export function newShortId(): string {
  const bytes = randomBytes(SHORT_ID_BYTES);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Ids name folders; one that could climb out or hide in l/ is refused before any path is made. */
const SAFE_ID = /^[A-Za-z0-9_.:-]+$/;

/** The paths of one overlay2 tree. */
export class Layout {
  /** <root>/overlay2 */
  readonly home: string;
  readonly linkDir: string;

  constructor(root: string) {
    this.home = path.join(root, DRIVER_DIR);
    this.linkDir = path.join(this.home, LINK_DIR);
  }

  layerDir(id: string): string {
    if (!SAFE_ID.test(id) || id === '.' || id === '..' || id === LINK_DIR || id === PROBE_CACHE_FILE) {
      throw new InvalidArgumentError(`overlay2 layer id ${JSON.stringify(id)}: not a plain file name`);
    }
    return path.join(this.home, id);
  }

  diff(id: string): string {
    return path.join(this.layerDir(id), DIFF_DIR);
  }

  work(id: string): string {
    return path.join(this.layerDir(id), WORK_DIR);
  }

  merged(id: string): string {
    return path.join(this.layerDir(id), MERGED_DIR);
  }

  file(id: string, name: string): string {
    return path.join(this.layerDir(id), name);
  }

  /** The absolute path of a short link, as a lowerdir. */
  shortLink(short: string): string {
    return path.join(this.linkDir, short);
  }

  /** The layer's short name; NotFound when the layer is missing or unfinished. */
  readLink(id: string): string {
    const short = readOptional(this.file(id, LINK_FILE));
    if (short === undefined) throw new NotFoundError(`overlay2 layer ${id} does not exist`);
    return short;
  }

  /** NotFound unless the layer exists and is complete. */
  assertExists(id: string): void {
    this.readLink(id);
  }

  /** The layer's parents' short names, nearest first; [] for a base layer. */
  readLowers(id: string): string[] {
    const lower = readOptional(this.file(id, LOWER_FILE)) ?? '';
    return lower === '' ? [] : lower.split(':').map((entry) => entry.slice(`${LINK_DIR}/`.length));
  }
}

/** The `lower` file's text for a layer whose parent has short name `parentShort` and lowers `parentLowers`. */
export function lowerFileText(parentShort: string, parentLowers: readonly string[]): string {
  return [parentShort, ...parentLowers].map((short) => `${LINK_DIR}/${short}`).join(':');
}
