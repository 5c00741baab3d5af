import fs from 'node:fs';
import path from 'node:path';
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

  constructor(root: ScopedRoot) {
    this.#root = root;
  }

  /** Records an entry this layer wrote at `real`. */
  wrote(real: string): void {
    this.#written.add(real);
    for (let dir = path.dirname(real); dir.length > this.#root.path.length && !this.#holding.has(dir); dir = path.dirname(dir)) {
      this.#holding.add(dir);
    }
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
    removeEntry(real, stat, this.#root);
  }
}

/**
 * Removes one entry, a directory with all it holds, and drops the resolutions that may have gone
 * through it. Recursive removal never follows symlinks: it unlinks them.
 */
export function removeEntry(real: string, stat: fs.Stats, root: ScopedRoot): void {
  if (stat.isDirectory()) fs.rmSync(real, { recursive: true });
  else fs.unlinkSync(real);
  if (stat.isDirectory() || stat.isSymbolicLink()) root.forget();
}
