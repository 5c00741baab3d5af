import fs from 'node:fs';
import path from 'node:path';
import { OPAQUE_MARKER, tarHeader, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX, type TarHeader, type WhiteoutConverter } from '@layerctl/snapshotter';
import { lgetxattr } from '@layerctl/sys';
import { heldBelow } from './held-below.ts';
import { isWhiteoutDevice } from './whiteout-device.ts';

/**
 * aufs keeps whiteouts in the very form layer tars carry them (aufs(5), "Whiteout"): a deleted
 * name is an empty file `.wh.<name>` beside it, and an opaque directory holds `.wh..wh..opq`.
 * Names under `.wh..wh.` are otherwise aufs's own bookkeeping, which never leaves the branch.
 *
 * A branch fuse-overlayfs has written as upper dir may also hold its forms until seal.ts
 * converts them: char 0/0 whiteouts (what it makes unless FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT is
 * set), `trusted.overlay.opaque=y` (or `user.fuseoverlayfs.opaque=y` without privilege) next to
 * its `.wh..wh..opq`, and helper xattrs (`user.fuseoverlayfs.origin`). This converter reads both
 * forms, so a diff is the same before and after sealing.
 */

/** aufs's own metadata in a branch's root (hardlink pool, xino and orphan dirs): never in a layer tar. */
export const AUFS_METADATA = [`${WHITEOUT_META_PREFIX}plnk`, `${WHITEOUT_META_PREFIX}aufs`, `${WHITEOUT_META_PREFIX}orph`];

/** Xattrs fuse-overlayfs (and kernel overlay, whose names it shares as root) keeps for itself. */
export const HELPER_XATTR_PREFIXES = ['trusted.overlay.', 'user.fuseoverlayfs.'];

/** The xattrs by which fuse-overlayfs marks an opaque directory, as root and without privilege. */
export const OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.fuseoverlayfs.opaque'];
const OPAQUE_VALUE = 'y';

/** Whiteouts carry no content or owner; fixed mode and time give the same bytes for the same changes, as overlay2's do. */
const MARKER_MODE = 0o644;
const MARKER_MTIME_NS = 0n;

/** Whether `dir` is opaque in either form: the aufs marker file, or fuse-overlayfs's xattr. */
export function isOpaqueDir(dir: string): boolean {
  if (fs.existsSync(path.join(dir, OPAQUE_MARKER))) return true;
  return OPAQUE_XATTRS.some((name) => lgetxattr(dir, name)?.toString() === OPAQUE_VALUE);
}

export function isHelperXattr(name: string): boolean {
  return HELPER_XATTR_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * The converter for a branch over `lowers` (the ancestors' branches, nearest first). A directory
 * is packed opaque only where something below it could show through: fuse-overlayfs marks every
 * directory it creates opaque, new ones too, where kernel overlay and aufs mark none, and the
 * marker of a directory no ancestor holds would change nothing but the layer's bytes.
 */
export function aufsWhiteouts(lowers: readonly string[] = []): WhiteoutConverter {
  return {
    pack({ header, path: onDisk, stat }) {
      const base = path.posix.basename(header.name);
      // The opaque marker is packed right after its directory (below), where overlay2 puts it too.
      if (base.startsWith(WHITEOUT_META_PREFIX)) return [];
      if (base.startsWith(WHITEOUT_PREFIX) && header.type === 'file') return [marker(header.name)];
      if (isWhiteoutDevice(stat)) {
        const name = whiteoutName(header.name);
        // fuse-overlayfs's `.wh..opq` device is the overlay form of the opaque marker, packed with its directory.
        return path.posix.basename(name).startsWith(WHITEOUT_META_PREFIX) ? [] : [marker(name)];
      }
      const own: TarHeader = { ...header, xattrs: new Map([...header.xattrs].filter(([name]) => !isHelperXattr(name))) };
      const opaque = header.type === 'directory' && isOpaqueDir(onDisk) && heldBelow(header.name, lowers);
      return opaque ? [own, marker(`${header.name}/${OPAQUE_MARKER}`)] : [own];
    },

    unpack(whiteout, context) {
      const dir = context.makeDir();
      if (whiteout.kind === 'opaque') {
        fs.writeFileSync(path.join(dir, OPAQUE_MARKER), '', { mode: MARKER_MODE });
        return;
      }
      // The tar also wrote this name itself: what the layer wrote stands, as in a merged view.
      if (fs.lstatSync(path.join(dir, whiteout.name), { throwIfNoEntry: false }) !== undefined) return;
      fs.writeFileSync(path.join(dir, `${WHITEOUT_PREFIX}${whiteout.name}`), '', { mode: MARKER_MODE });
    },
  };
}

function marker(name: string): TarHeader {
  return tarHeader({ name, type: 'file', mode: MARKER_MODE, mtimeNs: MARKER_MTIME_NS });
}

/** `a/b` → `a/.wh.b`. */
export function whiteoutName(name: string): string {
  const slash = name.lastIndexOf('/');
  return `${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`;
}
