import type { Readable } from 'node:stream';
import type { Change } from './archive/pack-changes.ts';
import type { Mount } from './mount/mount.ts';

/**
 * A Driver keeps the layers of one root on one backing filesystem (moby's graphdriver, trimmed
 * to what the Snapshotter needs). One instance serves one root.
 *
 * Terms: `id` is a layer this driver owns, named by the snapshotter (opaque to the driver, safe
 * as a file name); `parent` is the layer below it, undefined for a base layer.
 *
 * Rules (test/conformance checks each one):
 * - create() never copies the parent's files; a child sees the parent's files through its mounts.
 * - A layer created with `readonly: true` mounts read-only; writing there fails with EROFS.
 * - mounts(id) is data: it describes the mount, performs nothing, and is stable while the layer
 *   exists. mount(id) performs it at the driver's own mount point and is counted: n mounts need
 *   n unmounts before the tree really unmounts.
 * - diff() and applyDiff() speak OCI changesets only; the driver's own whiteout form never leaves
 *   the driver. diff(id, parent) of a layer created from `parent` holds exactly its changes.
 * - remove() of a layer that is mounted, or that is the parent of another, is the caller's bug:
 *   the snapshotter never asks for it. remove() of an id the driver does not have succeeds, so a
 *   crash between the driver's and the metadata's side of an operation can be finished by gc.
 * - Failures are LayerctlError subclasses; init() throws NotSupportedError naming what the host
 *   lacks (the kernel feature, the package, the filesystem).
 */
export interface Driver {
  /** The name users pass to --driver: 'overlay2', 'aufs', 'devmapper'. */
  readonly name: string;

  /** Probes the host and prepares <root>/<name>; cheap enough to run on every command. */
  init(): Promise<void>;

  /** Key/value lines for `layerctl info`: backing filesystem, native diff, layer limit, the path chosen and why. */
  status(): Array<[string, string]>;

  create(id: string, parent: string | undefined, opts: { readonly: boolean }): Promise<void>;

  remove(id: string): Promise<void>;

  /** Whether the driver holds a layer of this id (gc compares this with the metadata). */
  exists(id: string): boolean;

  /** Every id the driver holds, including leftovers of interrupted operations (for gc). */
  list(): string[];

  /** How to mount the layer with everything below it (data only). */
  mounts(id: string): Mount[];

  /** Mounts the layer (counted) and returns the path of its merged tree. */
  mount(id: string): Promise<string>;

  /** Drops one count; unmounts for real when the count reaches zero. */
  unmount(id: string): Promise<void>;

  /** The changes of `id` against `parent` as an OCI changeset tar. */
  diff(id: string, parent: string | undefined): Readable;

  /** Applies an OCI changeset tar to a fresh layer `id` (created on `parent`); returns the bytes of content written. */
  applyDiff(id: string, parent: string | undefined, tar: AsyncIterable<Buffer>): Promise<number>;

  /** What changed in `id` against `parent`, in canonical order. */
  changes(id: string, parent: string | undefined): Promise<Change[]>;

  /** Disk used by this layer alone (not its parents). */
  usage(id: string): Promise<{ size: number; inodes: number }>;

  /** Releases what init() holds (mount counts in memory, helper processes). */
  close(): Promise<void>;
}

/** Makes the driver of one root: `<root>/<name>` is its own tree, `<root>/tmp` scratch on the same filesystem. */
export type DriverFactory = (options: { root: string; tmpDir: string; options: Record<string, string> }) => Driver;
