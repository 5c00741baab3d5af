import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { applyLayer, compareEntryPaths, mountAll, packChanges, unmountAll, processAlive, type Change, type Driver, type Mount } from '@layerctl/snapshotter';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, isMountPoint, mountPoints } from '@layerctl/sys';
import type { DeviceBackend } from './device-backend.ts';
import { mountOptions } from './device-fs.ts';
import { recoveryOf } from './device-state.ts';
import { DEVICE_DB, DeviceStore, type DeviceRow } from './device-store.ts';
import { DmThinBackend, dmThinStatus } from './dm-thin/dm-thin-backend.ts';
import { parseDevmapperOptions, type Backend, type DevmapperOptions } from './options.ts';
import { checkCanMount, probeBackend } from './probe.ts';
import { ReflinkBackend } from './reflink-backend.ts';
import { treeDiff } from './tree-diff.ts';

/** The driver's directory under the root: Docker's name for it. */
export const HOME_DIR = 'devicemapper';
const MNT_DIR = 'mnt';
const DIR_MODE = 0o700;
/** Bytes of a stat block count (st_blocks is always in 512-byte units). */
const STAT_BLOCK = 512n;

/**
 * devmapper: every layer is a thin block device holding a whole filesystem, a copy-on-write
 * snapshot of its parent's device, so a snapshot costs the same whatever the data size.
 *
 * Two pool backends behind one interface (device-backend.ts): dm-thin where the kernel has
 * device-mapper, and the reflink pool (sparse images, FICLONE, loop devices) where it has not;
 * probe.ts picks, `devmapper.backend` forces. Devices live in the driver's own store
 * (device-store.ts) with their state and transaction ids; a device a killed process left half
 * made is rolled back at the next init().
 *
 * Activation: mounts() activates the device (containerd's devmapper activates on prepare) and
 * names its stable path; this process holds that activation until the layer becomes a parent, is
 * removed, or the driver closes (so Mount data is good while the driver that gave it is open).
 * A device activated only for mount() is held by that mount alone and detaches with it. mount() is counted in the device store (the
 * kernel refuses the same filesystem twice on one mount point, so mounts cannot be stacked),
 * and the count is checked against the mount table, so a count a reboot left is not believed.
 *
 * Diff compares the mounted trees of the device and its parent (tree-diff.ts); apply untars into
 * the mounted device, whiteouts becoming deletions.
 */
export class DevmapperDriver implements Driver {
  readonly name = 'devmapper';
  readonly #home: string;
  readonly #opts: DevmapperOptions;
  #backend: DeviceBackend | undefined;
  #store: DeviceStore | undefined;
  #chosenBy = '';
  #opened = false;

  constructor(options: { root: string; tmpDir: string; options?: Record<string, string> }) {
    this.#home = path.join(options.root, HOME_DIR);
    this.#opts = parseDevmapperOptions(options.options ?? {});
  }

  async init(): Promise<void> {
    checkCanMount();
    const { backend, why } = probeBackend(this.#opts.backend);
    this.#chosenBy = why;
    this.#backend = this.#makeBackend(backend);
    fs.mkdirSync(path.join(this.#home, MNT_DIR), { recursive: true, mode: DIR_MODE });
    this.#store = new DeviceStore(path.join(this.#home, DEVICE_DB));
    this.#recover();
  }

  status(): Array<[string, string]> {
    const backend = this.#ready().backend;
    return [
      ...backend.status(),
      ['Backend chosen by', this.#chosenBy],
      ['Devices', String(this.#ready().store.all().length)],
      ['Transaction ID', String(this.#ready().store.transactionId())],
      ['Driver state', `${path.join(this.#home, DEVICE_DB)} (SQLite: device rows, states, 24-bit ids, transaction ids)`],
      ...dmThinStatus(backend.name === 'dm-thin'),
    ];
  }

  async create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void> {
    const { store, backend } = this.#ready();
    if (store.get(id) !== undefined) throw new AlreadyExistsError(`devmapper layer ${id} already exists`);
    const origin = parent === undefined ? undefined : this.#activeRow(parent);
    // A crash from here on leaves a creating row, which the next init() rolls back.
    const row = store.beginCreate(id, parent, opts.readonly);
    try {
      store.locked(() => {
        this.#openPool();
        if (origin === undefined) backend.ensureBase();
        // The origin is committed now (only committed snapshots are parents): containerd
        // deactivates on commit. One still in use is suspended (frozen) around the snapshot.
        if (origin !== undefined) backend.release(origin.id);
        const suspend = origin !== undefined && backend.busy(origin.id);
        if (suspend) store.setState(origin.id, 'suspended');
        try {
          backend.snapshot(row, origin);
        } finally {
          if (suspend) store.setState(origin.id, 'active');
        }
      });
      store.finishCreate(row);
    } catch (err) {
      store.locked(() => {
        backend.delete(id);
        store.delete(id);
      });
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    const { store, backend } = this.#ready();
    const row = store.get(id);
    const known = row !== undefined || backend.deviceIds().includes(id);
    if (!known) return;
    store.locked(() => {
      this.#openPool();
      const mounted = backend.mountPoints(id);
      if (mounted.length > 0) throw new FailedPreconditionError(`devmapper layer ${id} is still mounted at ${mounted.join(', ')}`);
      if (row !== undefined) store.setState(id, 'removed');
      backend.delete(id);
      fs.rmSync(this.#target(id), { recursive: true, force: true });
      store.delete(id);
    });
  }

  exists(id: string): boolean {
    const row = this.#ready().store.get(id);
    return row !== undefined && (row.state === 'active' || row.state === 'suspended');
  }

  list(): string[] {
    const { store, backend } = this.#ready();
    const ids = new Set(store.all().map((row) => row.id));
    for (const id of backend.deviceIds()) ids.add(id);
    return [...ids].sort();
  }

  mounts(id: string): Mount[] {
    const { store, backend } = this.#ready();
    const row = this.#activeRow(id);
    const source = store.locked(() => {
      this.#openPool();
      return backend.activate(row);
    });
    return [{ type: this.#opts.fs, source, options: mountOptions(this.#opts.fs, row.readonly) }];
  }

  async mount(id: string): Promise<string> {
    const { store } = this.#ready();
    const target = this.#target(id);
    fs.mkdirSync(target, { recursive: true, mode: DIR_MODE });
    const { backend } = this.#ready();
    store.locked(() => {
      const count = isMountPoint(target) ? store.mountCount(id) : 0;
      if (count === 0) {
        // The mount holds the device from here; an activation only for it is let go at once.
        const heldBefore = backend.held(id);
        try {
          mountAll(this.mounts(id), target);
        } finally {
          if (!heldBefore) backend.release(id);
        }
      }
      store.setMountCount(id, count + 1);
    });
    return target;
  }

  async unmount(id: string): Promise<void> {
    const { store } = this.#ready();
    this.#activeRow(id);
    const target = this.#target(id);
    store.locked(() => {
      const count = isMountPoint(target) ? store.mountCount(id) : 0;
      if (count > 1) return store.setMountCount(id, count - 1);
      if (count === 1) unmountAll(target);
      // The device detaches with its last mount unless mounts() activated it for a caller (held until close).
      store.setMountCount(id, 0);
    });
  }

  diff(id: string, parent: string | undefined): Readable {
    return Readable.from(this.#withMounted(id, parent, (dir, base) => packChanges(dir, treeDiff(base, dir))), { objectMode: false });
  }

  async applyDiff(id: string, parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number> {
    const row = this.#activeRow(id);
    if (row.parent !== parent) throw new InvalidArgumentError(`devmapper applyDiff to ${id}: ${parent ?? 'no parent'} is not its parent`);
    if (row.readonly) throw new FailedPreconditionError(`devmapper applyDiff to ${id}: the layer was created read-only`);
    const dir = await this.mount(id);
    try {
      const { size } = await applyLayer(dir, tar);
      return size;
    } finally {
      await this.unmount(id);
    }
  }

  async changes(id: string, parent: string | undefined): Promise<Change[]> {
    const changes: Change[] = [];
    for await (const change of this.#withMounted(id, parent, (dir, base) => treeDiff(base, dir))) changes.push(change);
    return changes.sort((a, b) => compareEntryPaths(a.path, b.path));
  }

  /**
   * Disk used by the layer alone: the allocated blocks of what it added or changed against its
   * parent (each inode once). The image's own allocated blocks cannot say this: a snapshot shares
   * every extent of its parent until written, and the filesystem's metadata is charged to the base.
   */
  async usage(id: string): Promise<{ size: number; inodes: number }> {
    const row = this.#activeRow(id);
    let size = 0n;
    const seen = new Set<bigint>();
    for await (const [dir, change] of this.#withMounted(id, row.parent, (dir, base) => withDir(dir, treeDiff(base, dir)))) {
      if (change.kind === 'delete') continue;
      const stat = fs.lstatSync(path.join(dir, change.path), { bigint: true });
      if (seen.has(stat.ino)) continue;
      seen.add(stat.ino);
      size += stat.blocks * STAT_BLOCK;
    }
    return { size: Number(size), inodes: seen.size };
  }

  async close(): Promise<void> {
    const ready = this.#backend !== undefined && this.#store !== undefined ? { backend: this.#backend, store: this.#store } : undefined;
    if (ready === undefined) return;
    ready.store.locked(() => ready.backend.close());
    this.#opened = false;
    ready.store.close();
    this.#store = undefined;
  }

  #makeBackend(backend: Backend): DeviceBackend {
    if (backend === 'dm-thin') return new DmThinBackend(this.#home, this.#opts);
    const reflink = new ReflinkBackend(this.#home, this.#opts);
    reflink.probe();
    return reflink;
  }

  /** The pool is opened on first use, not in init(): probing must not format or mount anything. */
  #openPool(): void {
    if (this.#opened) return;
    this.#ready().backend.open();
    this.#opened = true;
  }

  /**
   * Finishes what killed processes left: a creating device is rolled back, a suspended one
   * resumed, a removal finished; then devices that no layer owns are detached.
   */
  #recover(): void {
    const { store, backend } = this.#ready();
    const interrupted = store.all().filter((row) => recoveryOf(row.state) !== 'keep' && !processAlive(row.ownerPid));
    if (interrupted.length === 0 && !(backend instanceof ReflinkBackend && this.#poolIsUp())) return;
    store.locked(() => {
      this.#openPool();
      for (const row of store.all()) {
        if (processAlive(row.ownerPid)) continue;
        const recovery = recoveryOf(row.state);
        if (recovery === 'resume') store.setState(row.id, 'active');
        if (recovery === 'rollback' || recovery === 'finish-removal') {
          backend.delete(row.id);
          store.delete(row.id);
        }
      }
      if (backend instanceof ReflinkBackend) backend.sweep(new Set(store.all().map((row) => row.id)));
    });
  }

  #poolIsUp(): boolean {
    const backend = this.#backend;
    return backend instanceof ReflinkBackend && (!backend.pool.ownFile || mountPoints().includes(backend.pool.dir));
  }

  #activeRow(id: string): DeviceRow {
    const row = this.#ready().store.mustGet(id);
    if (row.state !== 'active' && row.state !== 'suspended') throw new FailedPreconditionError(`devmapper layer ${id} is ${row.state}`);
    return row;
  }

  #target(id: string): string {
    return path.join(this.#home, MNT_DIR, id);
  }

  #ready(): { backend: DeviceBackend; store: DeviceStore } {
    if (this.#backend === undefined || this.#store === undefined) throw new FailedPreconditionError('devmapper: init() has not run');
    return { backend: this.#backend, store: this.#store };
  }

  /** Mounts the layer and `parent` (counted), yields what `use` makes of both trees, and unmounts both after. */
  async *#withMounted<T>(id: string, parent: string | undefined, use: (dir: string, base: string | undefined) => AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
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
}

function* withDir(dir: string, changes: Iterable<Change>): Generator<[string, Change]> {
  for (const change of changes) yield [dir, change];
}

