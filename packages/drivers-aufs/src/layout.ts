import fs from 'node:fs';
import path from 'node:path';
import { errorCode } from '@layerctl/snapshotter';
import { InvalidArgumentError, NotFoundError, wrapNodeError } from '@layerctl/sys';

/**
 * The tree under <root>/aufs, Docker's aufs layout plus one folder of layerctl's own:
 *
 *   layers/<id>     the layer's ancestors' ids, nearest first, one a line; empty for a base.
 *                   Written last (through a temporary name), so a layer exists once it is there.
 *   diff/<id>/      the branch: the layer's own files, with aufs whiteouts (`.wh.<name>` files,
 *                   `.wh..wh..opq` in opaque directories), which is also the form of layer tars.
 *   mnt/<id>/       where mount(id) mounts the union of the branch and its ancestors.
 *   work/<id>/      layerctl's own: `work/` (fuse-overlayfs's work dir, which must be on the
 *                   branch's filesystem and outside it), `mount-count` and `mount-lock` (mount
 *                   counts across processes, @layerctl/snapshotter's countMount), `sealed` (the branch holds aufs
 *                   format only; seal.ts).
 *
 * remove(id) renames each of these to `<id>-removing` before deleting them, and init() sweeps
 * what a killed remove left, so a half-removed layer is never taken for a layer.
 */

export const DRIVER_DIR = 'aufs';
export const LAYERS_DIR = 'layers';
export const DIFF_DIR = 'diff';
export const MNT_DIR = 'mnt';
export const WORK_DIR = 'work';
/** Every folder that holds one entry per layer, in the order remove() renames them: layers/ first. */
export const LAYER_DIRS = [LAYERS_DIR, DIFF_DIR, MNT_DIR, WORK_DIR] as const;
/** fuse-overlayfs's work dir, inside work/<id>/. */
export const FUSE_WORK_DIR = 'work';
export const MOUNT_COUNT_FILE = 'mount-count';
export const MOUNT_LOCK_FILE = 'mount-lock';
export const SEALED_FILE = 'sealed';
/** What remove() appends to an id while it deletes the layer. */
export const REMOVING_SUFFIX = '-removing';

/** Ids name folders; one that could climb out, or pass for a leftover of remove(), is refused. */
const SAFE_ID = /^[A-Za-z0-9_.:-]+$/;

/** The paths of one aufs tree. */
export class Layout {
  /** <root>/aufs */
  readonly home: string;

  constructor(root: string) {
    this.home = path.join(root, DRIVER_DIR);
  }

  /** <root>/aufs/<dir>/<id> */
  of(dir: (typeof LAYER_DIRS)[number], id: string): string {
    if (!SAFE_ID.test(id) || id === '.' || id === '..' || id.endsWith(REMOVING_SUFFIX)) {
      throw new InvalidArgumentError(`aufs layer id ${JSON.stringify(id)}: not a plain file name`);
    }
    return path.join(this.home, dir, id);
  }

  diff(id: string): string {
    return this.of(DIFF_DIR, id);
  }

  mnt(id: string): string {
    return this.of(MNT_DIR, id);
  }

  work(id: string, name: string): string {
    return path.join(this.of(WORK_DIR, id), name);
  }

  /** Whether the layer exists and is complete. */
  exists(id: string): boolean {
    return fs.existsSync(this.of(LAYERS_DIR, id));
  }

  /** The layer's ancestors, nearest first; NotFound when the layer is missing or unfinished. */
  readAncestors(id: string): string[] {
    let text: string;
    try {
      text = fs.readFileSync(this.of(LAYERS_DIR, id), 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') throw new NotFoundError(`aufs layer ${id} does not exist`);
      throw wrapNodeError(err, this.of(LAYERS_DIR, id));
    }
    return text.split('\n').filter((line) => line !== '');
  }

  /** Writes layers/<id> atomically: a reader sees no file or the whole list. */
  writeAncestors(id: string, ancestors: readonly string[]): void {
    const file = this.of(LAYERS_DIR, id);
    const temp = `${file}.${process.pid}${REMOVING_SUFFIX}`;
    fs.writeFileSync(temp, ancestors.map((a) => `${a}\n`).join(''));
    fs.renameSync(temp, file);
  }
}
