import fs from 'node:fs';
import path from 'node:path';
import { OPAQUE_MARKER, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from '@layerctl/snapshotter';
import { llistxattr, lremovexattr, lutimesNs } from '@layerctl/sys';
import { isHelperXattr, isOpaqueDir } from './whiteout.ts';
import { isWhiteoutDevice } from './whiteout-device.ts';

/** Whiteout files made here are empty and read-only to all but root, as aufs's own. */
const WHITEOUT_MODE = 0o644;

/**
 * Turns a branch fuse-overlayfs wrote as its upper dir into pure aufs format, in place: char 0/0
 * whiteouts become `.wh.<name>` files, directories marked opaque by xattr get `.wh..wh..opq`, and
 * fuse-overlayfs's and overlay's own xattrs go. Run on a layer no one writes any more (a
 * committed parent); a branch already in aufs format is left as it is.
 */
export function sealBranch(branch: string): void {
  walk(branch);
  stripHelperXattrs(branch);
}

function walk(dir: string): void {
  // Writing a whiteout file into a directory would change its mtime, which the layer's diff carries.
  const times = fs.lstatSync(dir, { bigint: true });
  let changed = false;
  for (const child of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, child.name);
    if (child.name.startsWith(WHITEOUT_META_PREFIX)) continue;
    if (child.isCharacterDevice() && isWhiteoutDevice(fs.lstatSync(full))) {
      // `.wh.X` for a char 0/0 X; fuse-overlayfs's `.wh..opq` device so becomes the opaque marker.
      fs.rmSync(full);
      fs.writeFileSync(path.join(dir, `${WHITEOUT_PREFIX}${child.name}`), '', { mode: WHITEOUT_MODE });
      changed = true;
      continue;
    }
    if (child.isDirectory()) {
      // Inside first: the opaque xattr says where a marker belongs, and then goes.
      walk(full);
      stripHelperXattrs(full);
      continue;
    }
    stripHelperXattrs(full);
  }
  if (isOpaqueDir(dir) && !fs.existsSync(path.join(dir, OPAQUE_MARKER))) {
    fs.writeFileSync(path.join(dir, OPAQUE_MARKER), '', { mode: WHITEOUT_MODE });
    changed = true;
  }
  if (changed) lutimesNs(dir, times.atimeNs, times.mtimeNs);
}

function stripHelperXattrs(entry: string): void {
  for (const name of llistxattr(entry)) if (isHelperXattr(name)) lremovexattr(entry, name);
}
