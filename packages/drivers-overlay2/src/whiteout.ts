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

/**
 * Every xattr overlay keeps for itself starts so (origin, impure, redirect, metacopy, opaque...),
 * as root in the initial user namespace.
 */
export const TRUSTED_OVERLAY_PREFIX = 'trusted.overlay.';
/**
 * The prefix with the `userxattr` mount option, which a mount inside a user namespace needs:
 * trusted.* is out of its reach (Documentation/filesystems/overlayfs.rst, "User xattr").
 */
export const USER_OVERLAY_PREFIX = 'user.overlay.';
/** The xattr name, after the prefix, that marks an opaque directory. */
export const OPAQUE_NAME = 'opaque';
/** Marks an opaque directory, in the trusted namespace. */
export const OPAQUE_XATTR = `${TRUSTED_OVERLAY_PREFIX}${OPAQUE_NAME}`;
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

/** The converter for overlay dirs whose own xattrs start with `prefix` (TRUSTED_ or USER_OVERLAY_PREFIX). */
export function overlayWhiteoutConverter(prefix: string): WhiteoutConverter {
  const opaqueXattr = `${prefix}${OPAQUE_NAME}`;
  return {
    pack({ header, stat }) {
      if (isWhiteoutDevice(stat)) {
        // A renamed header, never a hardlink: the kernel makes every whiteout of a mount a link
        // of one shared inode, which means nothing to the tar's reader.
        return [marker(whiteoutName(header.name))];
      }
      const opaque = header.xattrs.get(opaqueXattr)?.toString() === OPAQUE_VALUE;
      const own: TarHeader = { ...header, xattrs: withoutPrefix(header.xattrs, prefix) };
      return header.type === 'directory' && opaque ? [own, marker(`${header.name}/${OPAQUE_MARKER}`)] : [own];
    },

    unpack(whiteout, context) {
      const dir = context.makeDir();
      if (whiteout.kind === 'opaque') {
        lsetxattr(dir, opaqueXattr, Buffer.from(OPAQUE_VALUE));
        return;
      }
      const target = path.join(dir, whiteout.name);
      // The tar also wrote this name itself: what the layer wrote stands, as in a merged view.
      if (fs.lstatSync(target, { throwIfNoEntry: false }) !== undefined) return;
      // Allowed without privilege since Linux 5.8, so inside a user namespace too.
      mknod(target, S_IFCHR, 0, 0);
    },
  };
}

/** The converter for layers kept as root in the initial user namespace. */
export const overlayWhiteouts = overlayWhiteoutConverter(TRUSTED_OVERLAY_PREFIX);

function marker(name: string): TarHeader {
  return tarHeader({ name, type: 'file', mode: MARKER_MODE, mtimeNs: MARKER_MTIME_NS });
}

function whiteoutName(name: string): string {
  const slash = name.lastIndexOf('/');
  return `${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`;
}

function withoutPrefix(xattrs: Map<string, Buffer>, prefix: string): Map<string, Buffer> {
  return new Map([...xattrs].filter(([name]) => !name.startsWith(prefix)));
}
