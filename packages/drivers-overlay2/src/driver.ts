import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  applyLayer,
  compareEntryPaths,
  mountAll,
  packChanges,
  unmountAll,
  type Change,
  type Driver,
  type Mount,
} from '@layerctl/snapshotter';
import { AlreadyExistsError, FailedPreconditionError, NotSupportedError } from '@layerctl/sys';
import { diskUsage } from './disk-usage.ts';
import { Layout, LINK_DIR, LINK_FILE, LOWER_FILE, lowerFileText, MOUNT_COUNT_FILE, MOUNT_LOCK_FILE, newShortId } from './layout.ts';
import { countMount, countUnmount, isMountPoint, type CountedMount } from './mount-count.ts';
import { layerMounts, MAX_LOWER_LAYERS, MOUNT_DATA_MAX } from './mount-options.ts';
import { probe, type ProbeResult } from './probe.ts';
import { upperChanges } from './upper-changes.ts';
import { overlayWhiteouts } from './whiteout.ts';

/** Layer folders are layerctl's own; their diff dirs are the image's root dirs and keep 0755 like Docker's. */
const LAYER_MODE = 0o700;
const DIFF_MODE = 0o755;

/**
 * overlay2: kernel overlayfs in Docker's overlay2 layout (layout.ts), without Docker's 128-layer
 * ceiling: lower layers are given one fsconfig `lowerdir+` each, up to the kernel's 500.
 *
 * A layer created readonly gets no work dir: it can never be an upper, so it mounts read-only
 * (its own diff dir as the top lower). The native diff reads the upper dir only (upper-changes.ts)
 * and is used when the probe found neither redirect_dir nor metacopy on.
 */
export class Overlay2Driver implements Driver {
  readonly name = 'overlay2';
  readonly #layout: Layout;
  readonly #tmpDir: string;
  #probe: ProbeResult | undefined;

  constructor(options: { root: string; tmpDir: string; options?: Record<string, string> }) {
    this.#layout = new Layout(options.root);
    this.#tmpDir = options.tmpDir;
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.#layout.linkDir, { recursive: true, mode: LAYER_MODE });
    fs.mkdirSync(this.#tmpDir, { recursive: true, mode: LAYER_MODE });
    this.#probe = probe(this.#layout.home, this.#tmpDir);
  }

  status(): Array<[string, string]> {
    const p = this.#probed();
    return [
      ['Backing Filesystem', p.backingFs],
      ['Supports d_type', String(p.dType)],
      ['Native Overlay Diff', p.redirectDir || p.metacopy ? `false (${nativeDiffBlocker(p)})` : 'true'],
      ['Layer limit', p.mountApi === 'new' ? String(MAX_LOWER_LAYERS) : `as many as fit in ${MOUNT_DATA_MAX} bytes of mount options`],
      ['Mount API', p.mountApi === 'new' ? 'new (fsopen, fsconfig lowerdir+, fsmount, move_mount)' : 'legacy (mount(2), one option string)'],
      ['redirect_dir', String(p.redirectDir)],
      ['metacopy', String(p.metacopy)],
      ['Mount counting', 'a count file per layer, changed under a lock file, checked against /proc/self/mountinfo'],
    ];
  }

  async create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void> {
    const layout = this.#layout;
    if (this.exists(id)) throw new AlreadyExistsError(`overlay2 layer ${id} already exists`);
    const lower = parent === undefined ? undefined : lowerFileText(layout.readLink(parent), layout.readLowers(parent));
    // Leftovers of a create() that did not finish (no link file yet) are replaced.
    fs.rmSync(layout.layerDir(id), { recursive: true, force: true });
    fs.mkdirSync(layout.layerDir(id), { mode: LAYER_MODE });
    fs.mkdirSync(layout.diff(id), { mode: DIFF_MODE });
    fs.mkdirSync(layout.merged(id), { mode: LAYER_MODE });
    if (!opts.readonly) fs.mkdirSync(layout.work(id), { mode: LAYER_MODE });
    if (lower !== undefined) fs.writeFileSync(layout.file(id, LOWER_FILE), lower);
    const short = newShortId();
    fs.symlinkSync(path.join('..', id, 'diff'), layout.shortLink(short));
    // Written last, atomically: a layer without its link file is the leftover of a crash.
    const temp = `${layout.file(id, LINK_FILE)}.tmp`;
    fs.writeFileSync(temp, short);
    fs.renameSync(temp, layout.file(id, LINK_FILE));
  }

  async remove(id: string): Promise<void> {
    const layout = this.#layout;
    if (!fs.existsSync(layout.layerDir(id))) return;
    // Never a recursive remove through a mount: it would delete the files the mount shows.
    if (isMountPoint(layout.merged(id))) throw new FailedPreconditionError(`overlay2 layer ${id} is still mounted at ${layout.merged(id)}`);
    if (this.exists(id)) fs.rmSync(layout.shortLink(layout.readLink(id)), { force: true });
    fs.rmSync(layout.layerDir(id), { recursive: true, force: true });
  }

  exists(id: string): boolean {
    return fs.existsSync(this.#layout.file(id, LINK_FILE));
  }

  list(): string[] {
    return fs.readdirSync(this.#layout.home).filter((name) => name !== LINK_DIR);
  }

  mounts(id: string): Mount[] {
    const layout = this.#layout;
    layout.assertExists(id);
    const lowers = layout.readLowers(id).map((short) => layout.shortLink(short));
    const extra = this.#probed().extraOptions;
    const work = layout.work(id);
    const paths = fs.existsSync(work)
      ? { id, lowers, upper: { diff: layout.diff(id), work }, extra }
      : { id, lowers: [layout.diff(id), ...lowers], extra };
    return layerMounts(paths, this.#probed().mountApi);
  }

  async mount(id: string): Promise<string> {
    const mounts = this.mounts(id);
    const counted = this.#counted(id);
    await countMount(counted, () => mountAll(mounts, counted.target));
    return counted.target;
  }

  async unmount(id: string): Promise<void> {
    this.#layout.assertExists(id);
    const counted = this.#counted(id);
    await countUnmount(counted, () => unmountAll(counted.target));
  }

  diff(id: string, parent: string | undefined): Readable {
    this.#checkNative(id, parent);
    return packChanges(this.#layout.diff(id), upperChanges(this.#layout.diff(id)), { whiteouts: overlayWhiteouts });
  }

  async applyDiff(id: string, parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    this.#checkParent(id, parent);
    const { size } = await applyLayer(this.#layout.diff(id), tar, { whiteouts: overlayWhiteouts });
    return size;
  }

  async changes(id: string, parent: string | undefined): Promise<Change[]> {
    this.#checkNative(id, parent);
    const lowers = this.#layout.readLowers(id).map((short) => this.#layout.shortLink(short));
    return [...upperChanges(this.#layout.diff(id), lowers)].sort((a, b) => compareEntryPaths(a.path, b.path));
  }

  async usage(id: string): Promise<{ size: number; inodes: number }> {
    this.#layout.assertExists(id);
    return diskUsage(this.#layout.diff(id));
  }

  async close(): Promise<void> {
    // Mount counts live on disk (mount-count.ts); nothing is held in memory.
  }

  #probed(): ProbeResult {
    if (this.#probe === undefined) throw new FailedPreconditionError('overlay2: init() has not run');
    return this.#probe;
  }

  #counted(id: string): CountedMount {
    const layout = this.#layout;
    return { countFile: layout.file(id, MOUNT_COUNT_FILE), lockFile: layout.file(id, MOUNT_LOCK_FILE), target: layout.merged(id) };
  }

  /** The native diff reads the upper dir only: right for the layer's own parent, on a kernel that wrote plain upper dirs. */
  #checkNative(id: string, parent: string | undefined): void {
    this.#checkParent(id, parent);
    const p = this.#probed();
    if (p.redirectDir || p.metacopy) {
      throw new NotSupportedError(`overlay2 diff of ${id}: the native diff is off (${nativeDiffBlocker(p)}) and the tree-comparing diff is not written yet`);
    }
  }

  #checkParent(id: string, parent: string | undefined): void {
    const [actual] = this.#layout.readLowers(id);
    const expected = parent === undefined ? undefined : this.#layout.readLink(parent);
    if (actual !== expected) {
      throw new NotSupportedError(
        `overlay2 layer ${id}: ${parent ?? 'no parent'} is not its parent (its nearest lower is ${actual === undefined ? 'none' : `l/${actual}`}); only changes against a layer's own parent are supported`,
      );
    }
  }
}

function nativeDiffBlocker(p: ProbeResult): string {
  return [p.redirectDir ? 'redirect_dir is on' : '', p.metacopy ? 'metacopy is on' : ''].filter((s) => s !== '').join(', ');
}
