import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  applyLayer,
  compareEntryPaths,
  countMount,
  countUnmount,
  treeChanges,
  diskUsage,
  MOUNT_DATA_MAX,
  packChanges,
  readOptional,
  type Change,
  type CountedMount,
  type Driver,
  type Mount,
  type WhiteoutConverter,
} from '@layerctl/snapshotter';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, isMountPoint, NotSupportedError } from '@layerctl/sys';
import { parseOverlay2Options, type DiffMode, type Overlay2Options } from './driver-options.ts';
import {
  DIFF_DIR,
  Layout,
  LINK_DIR,
  LINK_FILE,
  LOWER_FILE,
  lowerFileText,
  MOUNT_COUNT_FILE,
  MOUNT_LOCK_FILE,
  newShortId,
  PENDING_LINK_FILE,
  PROBE_CACHE_FILE,
} from './layout.ts';
import { layerMounts, MAX_LOWER_LAYERS, type MountApiChoice } from './mount-options.ts';
import type { ProbeResult } from './probe.ts';
import { cachedProbe } from './probe-cache.ts';
import { upperChanges } from './upper-changes.ts';
import { overlayWhiteoutConverter } from './whiteout.ts';

/** Layer folders are layerctl's own; their diff dirs are the image's root dirs and keep 0755 like Docker's. */
const LAYER_MODE = 0o700;
const DIFF_MODE = 0o755;

/**
 * overlay2: kernel overlayfs in Docker's overlay2 layout (layout.ts), without Docker's 128-layer
 * ceiling: lower layers are given one fsconfig `lowerdir+` each, up to the kernel's 500.
 *
 * A layer created readonly gets no work dir: it can never be an upper, so it mounts read-only,
 * its parents alone as lowers (containerd's view), or its own empty diff dir bound read-only.
 *
 * The native diff reads the upper dir only (upper-changes.ts) and is used when the probe found
 * neither redirect_dir nor metacopy on and the diff is against the layer's own parent; otherwise
 * both merged trees are mounted and compared (treeChanges in @layerctl/snapshotter). Options (driver-options.ts) can
 * force the legacy mount API or the tree-comparing diff.
 */
export class Overlay2Driver implements Driver {
  readonly name = 'overlay2';
  readonly #layout: Layout;
  readonly #tmpDir: string;
  readonly #forced: Overlay2Options;
  #setup: Setup | undefined;

  constructor(options: { root: string; tmpDir: string; options?: Record<string, string> }) {
    this.#layout = new Layout(options.root);
    this.#tmpDir = options.tmpDir;
    this.#forced = parseOverlay2Options(options.options ?? {});
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.#layout.linkDir, { recursive: true, mode: LAYER_MODE });
    fs.mkdirSync(this.#tmpDir, { recursive: true, mode: LAYER_MODE });
    this.#setup = chooseSetup(cachedProbe(this.#layout.home, this.#tmpDir), this.#forced);
  }

  status(): Array<[string, string]> {
    const { probed: p, mountApi, diff, diffWhy } = this.#probed();
    return [
      ['Backing Filesystem', p.backingFs],
      ['Supports d_type', String(p.dType)],
      ['Native Overlay Diff', diff === 'native' ? 'true' : `false (${diffWhy}); the tree-comparing diff is used`],
      ['Layer limit', mountApi.api === 'new' ? String(MAX_LOWER_LAYERS) : `as many as fit in ${MOUNT_DATA_MAX} bytes of mount options as relative l/ paths (about 130)`],
      ['Mount API', mountApi.api === 'new' ? 'new (fsopen, fsconfig lowerdir+, fsmount, move_mount)' : 'legacy (mount(2), one option string)'],
      ['redirect_dir', String(p.redirectDir)],
      ['metacopy', String(p.metacopy)],
      ['Overlay module defaults', p.moduleDefaults],
      ['Overlay xattrs', p.extraOptions.includes('userxattr') ? `${p.xattrPrefix}* (userxattr: in a user namespace)` : `${p.xattrPrefix}*`],
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
    // The short name is on disk before its l/ link, so that remove() of a crash's leftover finds
    // the link; the link file proper is written last: without it the layer does not exist.
    const short = newShortId();
    fs.writeFileSync(layout.file(id, PENDING_LINK_FILE), short);
    fs.symlinkSync(path.join('..', id, DIFF_DIR), layout.shortLink(short));
    fs.renameSync(layout.file(id, PENDING_LINK_FILE), layout.file(id, LINK_FILE));
  }

  async remove(id: string): Promise<void> {
    const layout = this.#layout;
    if (!fs.existsSync(layout.layerDir(id))) return;
    // Never a recursive remove through a mount: it would delete the files the mount shows.
    if (isMountPoint(layout.merged(id))) throw new FailedPreconditionError(`overlay2 layer ${id} is still mounted at ${layout.merged(id)}`);
    for (const name of [LINK_FILE, PENDING_LINK_FILE]) {
      const short = readOptional(layout.file(id, name));
      if (short !== undefined) fs.rmSync(layout.shortLink(short), { force: true });
    }
    fs.rmSync(layout.layerDir(id), { recursive: true, force: true });
  }

  exists(id: string): boolean {
    return fs.existsSync(this.#layout.file(id, LINK_FILE));
  }

  list(): string[] {
    return fs.readdirSync(this.#layout.home).filter((name) => name !== LINK_DIR && name !== PROBE_CACHE_FILE);
  }

  mounts(id: string): Mount[] {
    const layout = this.#layout;
    layout.assertExists(id);
    const lowers = layout.readLowers(id).map((short) => layout.shortLink(short));
    const { probed, mountApi } = this.#probed();
    const extra = probed.extraOptions;
    const work = layout.work(id);
    if (fs.existsSync(work)) return layerMounts({ id, lowers, upper: { diff: layout.diff(id), work }, extra }, mountApi);
    // A read-only layer is never written (applyDiff refuses it), so its own diff dir adds nothing
    // to a mount but a layer: a view of 500 committed layers still fits the kernel's limit.
    return layerMounts({ id, lowers: lowers.length === 0 ? [layout.diff(id)] : lowers, extra }, mountApi);
  }

  async mount(id: string): Promise<string> {
    const counted = this.#counted(id);
    await countMount(counted, this.mounts(id));
    return counted.target;
  }

  async unmount(id: string): Promise<void> {
    this.#layout.assertExists(id);
    const counted = this.#counted(id);
    await countUnmount(counted);
  }

  diff(id: string, parent: string | undefined): Readable {
    if (this.#native(id, parent)) return packChanges(this.#layout.diff(id), upperChanges(this.#layout.diff(id)), { whiteouts: this.#whiteouts() });
    // The merged views hold no whiteouts of any form, so no converter.
    return Readable.from(this.#withMerged(id, parent, (dir, base) => packChanges(dir, treeChanges(base, dir))), { objectMode: false });
  }

  async applyDiff(id: string, parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    if (!this.#isParent(id, parent)) throw new InvalidArgumentError(`overlay2 applyDiff to ${id}: ${parent ?? 'no parent'} is not its parent`);
    if (!fs.existsSync(this.#layout.work(id))) throw new FailedPreconditionError(`overlay2 applyDiff to ${id}: the layer was created read-only`);
    const { size } = await applyLayer(this.#layout.diff(id), tar, { whiteouts: this.#whiteouts() });
    return size;
  }

  async changes(id: string, parent: string | undefined): Promise<Change[]> {
    const byPath = (a: Change, b: Change): number => compareEntryPaths(a.path, b.path);
    if (this.#native(id, parent)) {
      const lowers = this.#layout.readLowers(id).map((short) => this.#layout.shortLink(short));
      return [...upperChanges(this.#layout.diff(id), lowers)].sort(byPath);
    }
    const changes: Change[] = [];
    for await (const change of this.#withMerged(id, parent, (dir, base) => treeChanges(base, dir))) changes.push(change);
    return changes.sort(byPath);
  }

  async usage(id: string): Promise<{ size: number; inodes: number }> {
    this.#layout.assertExists(id);
    return diskUsage(this.#layout.diff(id));
  }

  async close(): Promise<void> {
    // Mount counts live on disk (@layerctl/snapshotter's countMount); nothing is held in memory.
  }

  /** The whiteout converter for the xattr namespace overlay uses here. */
  #whiteouts(): WhiteoutConverter {
    return overlayWhiteoutConverter(this.#probed().probed.xattrPrefix);
  }

  #probed(): Setup {
    if (this.#setup === undefined) throw new FailedPreconditionError('overlay2: init() has not run');
    return this.#setup;
  }

  /** Whether the upper dir alone gives the changes: native diff on, against the layer's own parent. */
  #native(id: string, parent: string | undefined): boolean {
    return this.#probed().diff === 'native' && this.#isParent(id, parent);
  }

  #isParent(id: string, parent: string | undefined): boolean {
    this.#layout.assertExists(id);
    const [actual] = this.#layout.readLowers(id);
    return actual === (parent === undefined ? undefined : this.#layout.readLink(parent));
  }

  /**
   * Mounts the layer and `parent` (counted, so they may be in use elsewhere), yields what `use`
   * makes of the two merged trees, and unmounts both once the consumer is done or gives up.
   */
  async *#withMerged<T>(id: string, parent: string | undefined, use: (dir: string, base: string | undefined) => AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
    const dir = await this.mount(id);
    try {
      const base = parent === undefined ? undefined : await this.mount(parent);
      try {
        yield* use(dir, base);
      } finally {
        if (parent !== undefined) await this.unmount(parent);
      }
    } finally {
      await this.unmount(id);
    }
  }

  #counted(id: string): CountedMount {
    const layout = this.#layout;
    return { countFile: layout.file(id, MOUNT_COUNT_FILE), lockFile: layout.file(id, MOUNT_LOCK_FILE), target: layout.merged(id) };
  }
}

/** What the probe found and the options forced, decided once at init(). */
interface Setup {
  probed: ProbeResult;
  mountApi: MountApiChoice;
  diff: DiffMode;
  /** Why the native diff is off, when it is. */
  diffWhy: string;
}

function chooseSetup(probed: ProbeResult, forced: Overlay2Options): Setup {
  if (forced.mountApi === 'new' && probed.mountApi !== 'new') {
    throw new NotSupportedError('overlay2: overlay2.mount_api=new was asked for, but this kernel has no fsconfig lowerdir+ (Linux 6.8)');
  }
  const blockers = [probed.redirectDir ? 'redirect_dir is on' : '', probed.metacopy ? 'metacopy is on' : ''].filter((s) => s !== '');
  if (forced.diff === 'native' && blockers.length > 0) {
    throw new NotSupportedError(`overlay2: overlay2.diff=native was asked for, but ${blockers.join(' and ')}: the upper dir alone would give wrong diffs`);
  }
  if (forced.diff === 'naive') blockers.push('overlay2.diff=naive');
  const mountApi: MountApiChoice = forced.mountApi === undefined ? { api: probed.mountApi, chosenBy: 'probe' } : { api: forced.mountApi, chosenBy: 'option' };
  return { probed, mountApi, diff: blockers.length === 0 ? 'native' : 'naive', diffWhy: blockers.join(', ') };
}
