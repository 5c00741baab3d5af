import fs from 'node:fs';
import path from 'node:path';
import type { TarHeader } from './tar/tar-header.ts';

/**
 * The OCI whiteout vocabulary (image-spec, layer.md "Whiteouts"), and the seam through which a
 * driver keeps whiteouts on disk in its own form.
 *
 * A layer tar always carries the OCI form. A driver whose on-disk form differs (overlay: char 0/0
 * devices and trusted.overlay.opaque; aufs: the `.wh.` files themselves) hands packTree,
 * packChanges and applyLayer a WhiteoutConverter, as moby's tarWhiteoutConverter does, so the
 * pack and apply code never learns about any driver.
 */

/** A file named `.wh.<name>` says: `<name>` from the layers below is deleted in this one. */
export const WHITEOUT_PREFIX = '.wh.';

/** Names starting `.wh..wh.` are reserved for whiteout metadata; only OPAQUE_MARKER has a meaning. */
export const WHITEOUT_META_PREFIX = `${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`;

/** A file of this name in a directory says: nothing below this layer shows through that directory. */
export const OPAQUE_MARKER = `${WHITEOUT_META_PREFIX}.opq`;

/** One entry met on disk while packing: its header as found there, its absolute path and lstat. */
export interface DiskEntry {
  header: TarHeader;
  path: string;
  stat: fs.BigIntStats;
}

/** A whiteout entry of a layer tar being applied. */
export type Whiteout =
  /** `dir/.wh.<name>`: `name` is the entry hidden, never '', '.' or '..' (refused before this). */
  | { kind: 'whiteout'; name: string; header: TarHeader }
  /** `dir/.wh..wh..opq`: the directory is opaque. */
  | { kind: 'opaque'; header: TarHeader };

/**
 * What applyLayer lends a converter while it applies one whiteout: paths already resolved inside
 * the target, and the bookkeeping that tells this layer's entries from the ones below.
 */
export interface UnpackContext {
  /** The whiteout entry as the tar names it, for error messages. */
  readonly entry: string;
  /** Real path of the directory holding the whiteout, when it exists; never outside the target. */
  existingDir(): string | undefined;
  /** Real path of the directory holding the whiteout, made (0755, root-owned) if missing. */
  makeDir(): string;
  /** Removes what the layers below put at `path`, keeping whatever this layer wrote there or under it. */
  removeBelow(path: string): void;
}

/** Translates between the OCI whiteouts a tar carries and a driver's on-disk form. */
export interface WhiteoutConverter {
  /**
   * Packing: the entries that stand for one on-disk entry in the tar. `[entry.header]` keeps it as
   * it is, `[]` leaves it out (a driver's own bookkeeping files), a renamed header turns it into
   * an OCI whiteout, and extra headers follow it (an opaque directory's marker). Only the first
   * header may carry the file's content; the others must be empty.
   */
  pack(entry: DiskEntry): TarHeader[];
  /** Unpacking: puts one whiteout of the tar onto the target in this driver's form. */
  unpack(whiteout: Whiteout, context: UnpackContext): void;
}

/**
 * The converter for a plain directory that holds every layer applied so far: a whiteout deletes
 * what it names, an opaque marker deletes what the directory held before this layer.
 */
export const ociWhiteouts: WhiteoutConverter = {
  pack: (entry) => [entry.header],
  unpack(whiteout, context) {
    if (whiteout.kind === 'whiteout') {
      const dir = context.existingDir();
      if (dir !== undefined) context.removeBelow(path.join(dir, whiteout.name));
      return;
    }
    const dir = context.makeDir();
    for (const name of fs.readdirSync(dir)) context.removeBelow(path.join(dir, name));
  },
};
