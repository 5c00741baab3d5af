import fs from 'node:fs';
import path from 'node:path';
import { OPAQUE_MARKER, tarHeader, WHITEOUT_PREFIX, type TarHeader, type WhiteoutConverter } from '@layerctl/snapshotter';
import { lsetxattr, mknod, S_IFCHR } from '@layerctl/sys';

/**
 * Overlayfs keeps whiteouts in its own form (Documentation/filesystems/overlayfs.rst,
 * "whiteouts and opaque directories"): a deleted name is a char device 0/0, and a directory
 * that hides everything below it carries the xattr trusted.overlay.opaque=y. Layer tars carry
 * the OCI form; this converter translates at the edge, as moby's overlayWhiteoutConverter does.
 */

/** Every xattr overlay keeps for itself starts so (origin, impure, redirect, metacopy, opaque...). */
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
/** Marks an opaque directory. */
export const OPAQUE_XATTR = `${OVERLAY_XATTR_PREFIX}opaque`;
/** The value that means opaque; 'x' (Linux 6.7) only says the directory holds xattr whiteouts. */
export const OPAQUE_VALUE = 'y';

/**
 * Whiteouts and opaque markers carry no content and no owner; fixed mode and time give the same
 * bytes for the same changes, as packChanges does for the whiteouts it makes.
 */
const MARKER_MODE = 0o644;
const MARKER_MTIME_NS = 0n;

/** Whether lstat found an overlay whiteout: a char device numbered 0/0. */
export function isWhiteoutDevice(stat: fs.BigIntStats | fs.Stats): boolean {
  return stat.isCharacterDevice() && BigInt(stat.rdev) === 0n;
}

export const overlayWhiteouts: WhiteoutConverter = {
  pack({ header, stat }) {
    if (isWhiteoutDevice(stat)) {
      // A renamed header, never a hardlink: the kernel makes every whiteout of a mount a link
      // of one shared inode, which means nothing to the tar's reader.
      return [marker(whiteoutName(header.name))];
    }
    const opaque = header.xattrs.get(OPAQUE_XATTR)?.toString() === OPAQUE_VALUE;
    const own: TarHeader = { ...header, xattrs: withoutOverlayXattrs(header.xattrs) };
    return header.type === 'directory' && opaque ? [own, marker(`${header.name}/${OPAQUE_MARKER}`)] : [own];
  },

  unpack(whiteout, context) {
    const dir = context.makeDir();
    if (whiteout.kind === 'opaque') {
      lsetxattr(dir, OPAQUE_XATTR, Buffer.from(OPAQUE_VALUE));
      return;
    }
    const target = path.join(dir, whiteout.name);
    // The tar also wrote this name itself: what the layer wrote stands, as in a merged view.
    if (fs.lstatSync(target, { throwIfNoEntry: false }) !== undefined) return;
    mknod(target, S_IFCHR, 0, 0);
  },
};

function marker(name: string): TarHeader {
  return tarHeader({ name, type: 'file', mode: MARKER_MODE, mtimeNs: MARKER_MTIME_NS });
}

function whiteoutName(name: string): string {
  const slash = name.lastIndexOf('/');
  return `${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`;
}

function withoutOverlayXattrs(xattrs: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...xattrs].filter(([name]) => !name.startsWith(OVERLAY_XATTR_PREFIX)));
}
