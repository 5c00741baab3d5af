import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MNT_DETACH, MS_BIND, MS_RDONLY, MS_REMOUNT, NotFoundError, NotSupportedError, mount, umount2, wrapNodeError } from '@layerctl/sys';
import { applyLayer } from '../../archive/apply-layer.ts';
import type { Change } from '../../archive/pack-changes.ts';
import type { Driver } from '../../driver.ts';
import type { Mount } from '../../mount/mount.ts';

/**
 * A test-only Driver in the manner of containerd's "native" snapshotter, for testing the
 * snapshotter's metadata rules without a kernel driver. Not exported from the package.
 *
 * Each layer is a directory that starts as a full copy of its parent, so it breaks on purpose
 * the Driver rule "create() never copies the parent's files". Mounts are real bind mounts
 * (read-only for a layer created read-only). diff() and changes() are not implemented.
 *
 * Layout under <root>/copy:
 *   <id>/fs        the layer's whole tree
 *   <id>/merged    where mount(id) binds fs
 *   <id>/readonly  present when the layer was created read-only
 */
export const COPY_DRIVER_NAME = 'copy';

const TREE_DIR = 'fs';
const MOUNT_DIR = 'merged';
const READONLY_MARKER = 'readonly';

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
    if (parent === undefined) fs.mkdirSync(tree, { mode: 0o755 });
    else fs.cpSync(this.#tree(parent), tree, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    if (opts.readonly) fs.writeFileSync(path.join(layer, READONLY_MARKER), '');
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

  diff(id: string): Readable {
    throw new NotSupportedError(`copy driver: diff of layer ${id} is not implemented (test driver)`);
  }

  async applyDiff(id: string, _parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    // The tree already holds the parent's files, which is what applyLayer applies on top of.
    return (await applyLayer(this.#tree(id), tar)).size;
  }

  async changes(id: string): Promise<Change[]> {
    throw new NotSupportedError(`copy driver: changes of layer ${id} are not implemented (test driver)`);
  }

  async usage(id: string): Promise<{ size: number; inodes: number }> {
    return treeUsage(this.#tree(id));
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

  #readonly(id: string): boolean {
    return fs.existsSync(path.join(this.#layer(id), READONLY_MARKER));
  }
}

/** du(1) of a tree: allocated bytes and inodes, each hard-linked inode once. */
function treeUsage(dir: string): { size: number; inodes: number } {
  const seen = new Set<number>();
  let size = 0;
  const visit = (file: string): void => {
    let stats: fs.BigIntStats;
    try {
      stats = fs.lstatSync(file, { bigint: true });
    } catch (err) {
      throw wrapNodeError(err, file);
    }
    const ino = Number(stats.ino);
    if (seen.has(ino)) return;
    seen.add(ino);
    size += Number(stats.blocks) * 512;
    if (stats.isDirectory()) for (const name of fs.readdirSync(file)) visit(path.join(file, name));
  };
  visit(dir);
  return { size, inodes: seen.size };
}
