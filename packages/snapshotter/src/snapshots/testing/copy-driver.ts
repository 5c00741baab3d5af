import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MNT_DETACH, MS_BIND, MS_RDONLY, MS_REMOUNT, NotFoundError, mount, umount2, wrapNodeError } from '@layerctl/sys';
import { applyLayer } from '../../archive/apply-layer.ts';
import { packChanges, type Change } from '../../archive/pack-changes.ts';
import type { Driver } from '../../driver.ts';
import type { Mount } from '../../mount/mount.ts';
import { treeChanges } from './tree-changes.ts';

/**
 * A test-only Driver in the manner of containerd's "native" snapshotter, for testing the
 * snapshotter's metadata rules without a kernel driver. Not exported from the package.
 *
 * Each layer is a directory that starts as a full copy of its parent (cp -a: modes, owners,
 * times, xattrs, hardlinks and special files kept), so it breaks on purpose the Driver rule
 * "create() never copies the parent's files". Mounts are real bind mounts (read-only for a layer
 * created read-only). changes(), diff() and usage() compare the layer's tree with its parent's
 * (tree-changes.ts), as moby's naive diff does.
 *
 * Layout under <root>/copy:
 *   <id>/fs        the layer's whole tree
 *   <id>/merged    where mount(id) binds fs
 *   <id>/readonly  present when the layer was created read-only
 *   <id>/parent    the parent's id, for usage() (which is given only the id)
 */
export const COPY_DRIVER_NAME = 'copy';

const TREE_DIR = 'fs';
const MOUNT_DIR = 'merged';
const READONLY_MARKER = 'readonly';
const PARENT_FILE = 'parent';

export class CopyDriver implements Driver {
  readonly name = COPY_DRIVER_NAME;
  readonly dir: string;
  readonly #mountCounts = new Map<string, number>();

  constructor(root: string) {
    this.dir = path.join(root, COPY_DRIVER_NAME);
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  status(): Array<[string, string]> {
    return [['layers', 'full copies (test driver)']];
  }

  async create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void> {
    const layer = this.#layer(id);
    fs.mkdirSync(layer);
    fs.mkdirSync(path.join(layer, MOUNT_DIR));
    const tree = path.join(layer, TREE_DIR);
    if (parent === undefined) {
      fs.mkdirSync(tree);
      // mkdir is subject to the umask; a layer's root is 0755 whatever it is.
      fs.chmodSync(tree, 0o755);
    } else {
      execFileSync('cp', ['-a', '--', this.#tree(parent), tree], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    if (opts.readonly) fs.writeFileSync(path.join(layer, READONLY_MARKER), '');
    if (parent !== undefined) fs.writeFileSync(path.join(layer, PARENT_FILE), parent);
  }

  async remove(id: string): Promise<void> {
    fs.rmSync(this.#layer(id), { recursive: true, force: true });
  }

  exists(id: string): boolean {
    return fs.existsSync(this.#layer(id));
  }

  list(): string[] {
    return fs.readdirSync(this.dir).sort();
  }

  mounts(id: string): Mount[] {
    return [{ type: 'bind', source: this.#tree(id), options: ['rbind', this.#readonly(id) ? 'ro' : 'rw'] }];
  }

  async mount(id: string): Promise<string> {
    const target = path.join(this.#layer(id), MOUNT_DIR);
    const count = this.#mountCounts.get(id) ?? 0;
    if (count === 0) {
      mount(this.#tree(id), target, null, MS_BIND);
      if (this.#readonly(id)) mount('none', target, null, MS_REMOUNT | MS_BIND | MS_RDONLY);
    }
    this.#mountCounts.set(id, count + 1);
    return target;
  }

  async unmount(id: string): Promise<void> {
    const count = this.#mountCounts.get(id) ?? 0;
    if (count === 0) throw new NotFoundError(`copy driver: layer ${id} is not mounted`);
    if (count === 1) umount2(path.join(this.#layer(id), MOUNT_DIR), MNT_DETACH);
    this.#mountCounts.set(id, count - 1);
  }

  /**
   * The changes, each with the directories above it (as an overlay upper dir holds the parents it
   * copied up), so applying the diff leaves those directories with this layer's times too.
   */
  diff(id: string, parent: string | undefined): Readable {
    const changes = async function* (driver: CopyDriver): AsyncGenerator<Change> {
      yield* withParentDirs(await driver.changes(id, parent));
    };
    return packChanges(this.#tree(id), changes(this));
  }

  async applyDiff(id: string, _parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    // The tree already holds the parent's files, which is what applyLayer applies on top of.
    return (await applyLayer(this.#tree(id), tar)).size;
  }

  async changes(id: string, parent: string | undefined): Promise<Change[]> {
    return treeChanges(this.#tree(id), parent === undefined ? undefined : this.#tree(parent));
  }

  /** What the layer added or modified against its parent: the bytes it alone holds. */
  async usage(id: string): Promise<{ size: number; inodes: number }> {
    const tree = this.#tree(id);
    const parent = this.#parent(id);
    const own = (await this.changes(id, parent)).filter((change) => change.kind !== 'delete');
    return entriesUsage(own.map((change) => path.join(tree, change.path)));
  }

  async close(): Promise<void> {
    this.#mountCounts.clear();
  }

  #layer(id: string): string {
    return path.join(this.dir, id);
  }

  #tree(id: string): string {
    const tree = path.join(this.#layer(id), TREE_DIR);
    if (!fs.existsSync(tree)) throw new NotFoundError(`copy driver: layer ${id} does not exist`);
    return tree;
  }

  #parent(id: string): string | undefined {
    const file = path.join(this.#layer(id), PARENT_FILE);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }

  #readonly(id: string): boolean {
    return fs.existsSync(path.join(this.#layer(id), READONLY_MARKER));
  }
}

function withParentDirs(changes: Change[]): Change[] {
  const listed = new Set(changes.map((change) => change.path));
  const parents: Change[] = [];
  for (const change of changes) {
    for (let dir = path.posix.dirname(change.path); dir !== '.' && !listed.has(dir); dir = path.posix.dirname(dir)) {
      listed.add(dir);
      parents.push({ kind: 'modify', path: dir });
    }
  }
  return [...changes, ...parents];
}

/** Allocated bytes and inodes of these entries, each hard-linked inode once. */
function entriesUsage(files: string[]): { size: number; inodes: number } {
  const seen = new Set<bigint>();
  let size = 0;
  for (const file of files) {
    let stats: fs.BigIntStats;
    try {
      stats = fs.lstatSync(file, { bigint: true });
    } catch (err) {
      throw wrapNodeError(err, file);
    }
    if (seen.has(stats.ino)) continue;
    seen.add(stats.ino);
    size += Number(stats.blocks) * 512;
  }
  return { size, inodes: seen.size };
}
