import fs from 'node:fs';
import path from 'node:path';
import { S_ISGID } from './apply-entry.ts';
import { joinReal, lstatOrUndefined, type ScopedRoot } from './scoped-root.ts';

/**
 * What one layer being applied has written so far, by real path, so that whiteouts and opaque
 * markers remove only what the layers below put there. The OCI rule (image-spec layer.md):
 * "Whiteout files MUST only apply to resources in lower/parent layers", and an opaque marker
 * hides the directory's lower contents wherever in the tar it stands, so it cannot simply empty
 * the directory when it is met: entries of this layer may already be in it.
 */
export class LayerPaths {
  readonly #root: ScopedRoot;
  /** Paths this layer wrote. */
  readonly #written = new Set<string>();
  /** Directories with something this layer wrote somewhere under them. */
  readonly #holding = new Set<string>();
  /**
   * Directories this layer made, empty when made: nothing of a lower layer can be inside them, so
   * an entry in one needs no look at what stands at its path. Forgotten, all of them, whenever
   * something is removed or a whiteout is applied: those are the only other ways in.
   */
  readonly #made = new Map<string, { setgid: boolean }>();

  constructor(root: ScopedRoot) {
    this.#root = root;
  }

  /** Records an entry this layer wrote at `real`, in the directory `dir` (its parent). */
  wrote(real: string, dir: string = path.dirname(real)): void {
    this.#written.add(real);
    for (; dir.length > this.#root.path.length && !this.#holding.has(dir); dir = path.dirname(dir)) {
      this.#holding.add(dir);
    }
  }

  /** Records a directory this layer made (empty) at `real`, with its mode. */
  made(real: string, mode: number): void {
    this.#made.set(real, { setgid: (mode & S_ISGID) !== 0 });
  }

  /** Records the mode an entry gave a directory that was already there (made by this layer or not). */
  kept(real: string, mode: number): void {
    if (this.#made.has(real)) this.made(real, mode);
  }

  /** True when a new file in the directory `dir` takes its creator's group: `dir` is one this layer made without setgid. */
  plainDir(dir: string): boolean {
    return this.#made.get(dir)?.setgid === false;
  }

  /**
   * True when nothing can stand at `real` but what this layer wrote there: its parent `dir` is a
   * directory this layer made, and `real` is not one itself (made as a parent of a later name).
   */
  surelyFree(real: string, dir: string): boolean {
    return this.#made.has(dir) && !this.#made.has(real);
  }

  /** Something outside what this layer records may have been put into its directories. */
  forgetMade(): void {
    this.#made.clear();
  }

  /** True when this layer wrote `real` itself. */
  has(real: string): boolean {
    return this.#written.has(real);
  }

  /** True when this layer wrote something under the directory `real`. */
  holdsWritten(real: string): boolean {
    return this.#holding.has(real);
  }

  /**
   * Removes what lower layers put at `real`: the whole of it when this layer wrote nothing there,
   * else only the lower entries inside, down to this layer's own.
   */
  removeBelow(real: string): void {
    const stat = lstatOrUndefined(real);
    if (stat === undefined || this.#written.has(real)) return;
    if (stat.isDirectory() && this.#holding.has(real)) {
      for (const name of fs.readdirSync(real)) this.removeBelow(joinReal(real, name));
      return;
    }
    this.remove(real, stat);
  }

  /**
   * Removes one entry, a directory with all it holds, and drops the resolutions that may have gone
   * through it. Recursive removal never follows symlinks: it unlinks them.
   */
  remove(real: string, stat: fs.Stats): void {
    if (stat.isDirectory()) fs.rmSync(real, { recursive: true });
    else fs.unlinkSync(real);
    if (stat.isDirectory() || stat.isSymbolicLink()) this.#root.forget();
    this.#made.clear();
  }
}
