import fs from 'node:fs';
import path from 'node:path';
import { cloneFile, detachLoop, mount, MS_RDONLY, SysError, umount2 } from '@layerctl/sys';
import type { DeviceBackend } from './device-backend.ts';
import { MKFS_LEFTOVERS, mkfsCommand, mountOptions } from './device-fs.ts';
import type { DeviceRow } from './device-store.ts';
import { loopMountPoints, loopsOf, loopsUnder, LoopActivations } from './loop-activation.ts';
import type { DevmapperOptions } from './options.ts';
import { ReflinkPool } from './reflink-pool.ts';
import { runTool } from './run-tool.ts';

/** Where an attached origin is mounted again to be frozen around its snapshot. */
const FREEZE_DIR = 'freeze';

/**
 * The reflink backend: devices are sparse image files of a fixed virtual size in the reflink
 * pool (reflink-pool.ts), snapshots are FICLONE clones, activation is a loop device
 * (loop-activation.ts). An origin still attached is frozen (fsfreeze) around its clone so the
 * clone holds a clean filesystem, as dm-thin suspends an origin around create_snap.
 */
export class ReflinkBackend implements DeviceBackend {
  readonly name = 'reflink';
  readonly #home: string;
  readonly #opts: DevmapperOptions;
  readonly pool: ReflinkPool;
  readonly #loops: LoopActivations;

  constructor(home: string, opts: DevmapperOptions) {
    this.#home = home;
    this.#opts = opts;
    this.pool = new ReflinkPool(home, opts);
    this.#loops = new LoopActivations(path.join(home, 'dev'));
  }

  status(): Array<[string, string]> {
    return [
      ['Backend', 'reflink (a sparse image per device in an extent-sharing filesystem, FICLONE snapshots, loop devices with direct I/O)'],
      ...this.pool.status(),
      ['Base Device Size', String(this.#opts.baseSize)],
      ['Base Device Filesystem', this.#opts.fs],
    ];
  }

  /** The host check of init(): nothing is made. */
  probe(): void {
    this.pool.probe();
  }

  open(): void {
    this.pool.open();
  }

  close(): void {
    this.#loops.releaseAll();
    this.pool.close();
  }

  ensureBase(): void {
    const base = this.pool.baseImage();
    if (fs.existsSync(base)) return;
    const pending = `${base}.new`;
    fs.writeFileSync(pending, '');
    fs.truncateSync(pending, this.#opts.baseSize);
    const [tool, args] = mkfsCommand(this.#opts.fs, pending);
    runTool(tool, args);
    this.#tidyBase(pending);
    fs.renameSync(pending, base);
  }

  snapshot(row: DeviceRow, origin: DeviceRow | undefined): void {
    const image = this.pool.image(row.id);
    if (origin === undefined) return cloneFile(this.pool.baseImage(), image);
    const source = this.pool.image(origin.id);
    const [attached] = this.#loops.linked(origin.id, source);
    if (attached === undefined) return cloneFile(source, image);
    // Still attached: a filesystem on it may hold writes that are not in the image yet, mounted
    // here or kept alive by a mount namespace that copied the mount before it was unmounted here
    // (the superblock then outlives our unmount). Mounting the device again gives that same
    // superblock; freezing it writes everything out and holds new writes while the image is cloned.
    const target = path.join(this.#home, FREEZE_DIR, row.id);
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    try {
      try {
        mount(`/dev/loop${attached}`, target, this.#opts.fs, origin.readonly ? MS_RDONLY : 0, mountOptions(this.#opts.fs, origin.readonly).filter((o) => o !== 'ro').join(','));
      } catch (err) {
        // ENXIO, ENOENT: the device went away meanwhile, and its filesystem with it.
        if (err instanceof SysError && (err.code === 'ENXIO' || err.code === 'ENOENT')) return cloneFile(source, image);
        throw err;
      }
      try {
        runTool('fsfreeze', ['--freeze', target]);
        try {
          cloneFile(source, image);
        } finally {
          runTool('fsfreeze', ['--unfreeze', target]);
        }
      } finally {
        umount2(target);
      }
    } finally {
      fs.rmdirSync(target);
    }
  }

  /** Whether the device is attached (in use here or elsewhere): a snapshot of it then suspends it. */
  busy(id: string): boolean {
    return this.#loops.linked(id, this.pool.image(id)).length > 0;
  }

  delete(id: string): void {
    this.#loops.release(id);
    const image = this.pool.image(id);
    // Detaching a device still mounted elsewhere only marks it autoclear: it goes with the mount.
    for (const number of loopsOf(image)) detachLoop(number);
    fs.rmSync(image, { force: true });
    this.#loops.unlink(id);
  }

  activate(row: DeviceRow): string {
    this.#loops.activate(row.id, this.pool.image(row.id), row.readonly);
    return this.#loops.devicePath(row.id);
  }

  release(id: string): void {
    this.#loops.release(id);
  }

  held(id: string): boolean {
    return this.#loops.isHeld(id);
  }

  mountPoints(id: string): string[] {
    return this.#loops.linked(id, this.pool.image(id)).flatMap((number) => loopMountPoints(number));
  }

  deviceIds(): string[] {
    if (!fs.existsSync(this.pool.imagesDir)) return [];
    return fs.readdirSync(this.pool.imagesDir).flatMap((name) => this.pool.idOfImage(name) ?? []);
  }

  /**
   * Detaches devices of this pool that no layer owns any more (their image unlinked, or no id
   * in `known`): left by a process killed while it had one mounted somewhere that is gone now,
   * or by an interrupted remove. Mounted ones only become autoclear.
   */
  sweep(known: ReadonlySet<string>): number {
    let swept = 0;
    for (const loop of loopsUnder(this.pool.imagesDir)) {
      const id = this.pool.idOfImage(path.basename(loop.file));
      if (!loop.deleted && id !== undefined && known.has(id)) continue;
      detachLoop(loop.number);
      swept++;
    }
    return swept;
  }

  /**
   * Takes mkfs's lost+found out of the base device, so an empty layer is an empty directory.
   * Offline, with debugfs: a mount would do, but a mount namespace copied meanwhile could keep
   * that filesystem alive past our unmount, with the removal not yet in the image.
   */
  #tidyBase(image: string): void {
    for (const name of MKFS_LEFTOVERS[this.#opts.fs]) runTool('debugfs', ['-w', '-R', `rmdir ${name}`, image]);
  }
}
