import fs from 'node:fs';
import { errorCode } from '../error-code.ts';
import { entryError, parentOf, baseOf } from './safe-path.ts';

/** Linux gives up after this many symlinks in one lookup (MAXSYMLINKS in fs/namei.c); so do we. */
const MAX_SYMLINK_HOPS = 40;

/** Directories this code makes because an entry needs a parent the tar did not carry (as moby does). */
const IMPLIED_DIR_MODE = 0o755;

/**
 * Resolves clean layer names to real paths inside a target directory, the way the container
 * will see them: the target is '/', so an absolute symlink met on the way resolves inside it (as
 * containerd's fs.RootPath and moby's FollowSymlinkInScope do). A '..' that would climb above the
 * target is refused rather than clamped: no layer a real tool writes needs it.
 *
 * Only parent components are followed. The final component of a name is never followed: the
 * entry replaces whatever is there, a symlink included.
 *
 * Every path this returns is built from components checked to be real directories, so the kernel
 * meets no symlink on the way to it. Resolved directories are cached by name; the caller calls
 * forget() whenever it removes a directory or a symlink, the only changes that can make a cached
 * resolution wrong.
 */
export class ScopedRoot {
  /** The target's real path. */
  readonly path: string;
  readonly #dirs = new Map<string, string>();
  readonly #onMade: (real: string, mode: number) => void;

  /** `onMade` hears of every directory this makes, by real path, with its mode. */
  constructor(target: string, onMade: (real: string, mode: number) => void = () => {}) {
    this.path = fs.realpathSync(target);
    this.#onMade = onMade;
  }

  /**
   * The real path of directory `dir` (a clean name, '' for the root), made with its missing
   * parents (0755, root-owned) if need be. `entry` is what errors name.
   */
  dir(dir: string, entry: string): string {
    return this.#dir(dir, entry, true);
  }

  /** The real path of directory `dir` if it exists, else undefined. */
  findDir(dir: string, entry: string): string | undefined {
    return this.#dir(dir, entry, false);
  }

  /** The real path an entry named `name` is written at: its parent resolved (and made), its last component as it is. */
  locate(name: string, entry: string): string {
    return joinReal(this.dir(parentOf(name), entry), baseOf(name));
  }

  /** As locate, but undefined when the parent does not exist; nothing is made. */
  find(name: string, entry: string): string | undefined {
    const parent = this.findDir(parentOf(name), entry);
    return parent === undefined ? undefined : joinReal(parent, baseOf(name));
  }

  #dir(dir: string, entry: string, create: true): string;
  #dir(dir: string, entry: string, create: boolean): string | undefined;
  #dir(dir: string, entry: string, create: boolean): string | undefined {
    if (dir === '') return this.path;
    const cached = this.#dirs.get(dir);
    if (cached !== undefined) return cached;
    const parent = this.#dir(parentOf(dir), entry, create);
    if (parent === undefined) return undefined;
    const real = this.#real(parent, baseOf(dir), entry, create);
    if (real !== undefined) this.#dirs.set(dir, real);
    return real;
  }

  /** True when `real` is strictly under the root (the root itself is not). */
  contains(real: string): boolean {
    return real.startsWith(this.path === '/' ? '/' : `${this.path}/`) && real !== this.path;
  }

  /** Drops every cached resolution; call after removing a directory or a symlink. */
  forget(): void {
    this.#dirs.clear();
  }

  /** Resolves `base` in the real directory `parent` to a real directory, following a symlink in scope. */
  #real(parent: string, base: string, entry: string, create: true): string;
  #real(parent: string, base: string, entry: string, create: boolean): string | undefined;
  #real(parent: string, base: string, entry: string, create: boolean): string | undefined {
    const real = joinReal(parent, base);
    const stat = lstatOrUndefined(real);
    if (stat === undefined) return create ? this.#makeDir(real) : undefined;
    if (stat.isDirectory()) return real;
    if (!stat.isSymbolicLink()) throw entryError(entry, `${JSON.stringify(this.#name(real))} is not a directory`);
    const parts = this.#follow(this.#parts(parent), fs.readlinkSync(real), entry);
    return this.#materialize(parts, entry, create);
  }

  /**
   * Walks `target` (a symlink's contents) from the resolved components `from`, following every
   * symlink met, inside the root. Returns resolved components: existing directories (never a
   * symlink), then any missing tail, which is lexical from there on.
   */
  #follow(from: string[], target: string, entry: string): string[] {
    let parts = target.startsWith('/') ? [] : [...from];
    const queue = target.split('/');
    let hops = 1;
    while (queue.length > 0) {
      const part = queue.shift();
      if (part === undefined || part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.pop() === undefined) throw entryError(entry, 'a symlink on its path leads out of the layer root');
        continue;
      }
      const real = this.#join(parts, part);
      const stat = lstatOrUndefined(real);
      if (stat?.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw entryError(entry, 'too many levels of symbolic links on its path');
        const next = fs.readlinkSync(real);
        if (next.startsWith('/')) parts = [];
        queue.unshift(...next.split('/'));
        continue;
      }
      if (stat !== undefined && !stat.isDirectory() && queue.some((rest) => rest !== '' && rest !== '.')) {
        throw entryError(entry, `${JSON.stringify(this.#name(real))} is not a directory`);
      }
      parts.push(part);
    }
    return parts;
  }

  /** Checks (or makes) each resolved component as a real directory; returns the real path. */
  #materialize(parts: string[], entry: string, create: true): string;
  #materialize(parts: string[], entry: string, create: boolean): string | undefined;
  #materialize(parts: string[], entry: string, create: boolean): string | undefined {
    let real = this.path;
    for (const part of parts) {
      real = joinReal(real, part);
      const stat = lstatOrUndefined(real);
      if (stat === undefined) {
        if (!create) return undefined;
        this.#makeDir(real);
      } else if (!stat.isDirectory()) {
        throw entryError(entry, `${JSON.stringify(this.#name(real))} is not a directory`);
      }
    }
    return real;
  }

  #makeDir(real: string): string {
    fs.mkdirSync(real);
    // mkdir's mode passes through the umask; the mode of an implied directory must not depend on it.
    fs.chmodSync(real, IMPLIED_DIR_MODE);
    this.#onMade(real, IMPLIED_DIR_MODE);
    return real;
  }

  #join(parts: string[], part: string): string {
    return joinReal(parts.length === 0 ? this.path : joinReal(this.path, parts.join('/')), part);
  }

  /** The components of a real path under the root. */
  #parts(real: string): string[] {
    const name = this.#name(real);
    return name === '' ? [] : name.split('/');
  }

  /** A real path under the root as a layer name, for messages and for walking. */
  #name(real: string): string {
    if (real === this.path) return '';
    return real.slice(this.path === '/' ? 1 : this.path.length + 1);
  }
}

/** Joins a real directory and a name without the '//' a root of '/' would give. */
export function joinReal(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** lstat that answers undefined for a missing path (ENOENT) and for a path under a non-directory (ENOTDIR). */
export function lstatOrUndefined(real: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(real, { throwIfNoEntry: false });
  } catch (err) {
    if (errorCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}
