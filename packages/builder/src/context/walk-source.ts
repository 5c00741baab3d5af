import fs, { type Stats } from 'node:fs';
import path from 'node:path';
import { wrapNodeError } from '@layerctl/sys';
import type { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { compareNames, type SelectedSource } from './select-sources.ts';

/** One file, directory, symlink or special file a selected source brings along. */
export interface ContextEntry {
  /** Relative to the selected source, '/'-separated: '.' for the source itself, 'sub/file' below it. */
  relativePath: string;
  /** Relative to the context: what .dockerignore was asked about. */
  contextPath: string;
  absolutePath: string;
  /** lstat of the entry: a symlink is described, never followed. */
  stats: Stats;
  /** The target of a symlink, as written; copied as it is, never resolved. */
  linkTarget?: string;
}

/**
 * Every entry a selected source brings, the source itself first, then depth first with the names
 * of each directory in byte order, so that two walks of the same tree agree. Entries
 * .dockerignore excludes are left out; an excluded directory an exception reaches into appears
 * only when something below it is kept. Symlinks are entries of their own and are never
 * followed, so a link to a path outside the context is copied as that link.
 */
export async function* walkSource(source: SelectedSource, ignore: PatternMatcher): AsyncGenerator<ContextEntry> {
  const root = entry(source.absolutePath, '.', source.resolvedPath);
  yield root;
  if (root.stats.isDirectory()) yield* walkDirectory(root, ignore, []);
}

// The walk uses the synchronous calls on purpose: each takes microseconds, and their promise
// forms cost several times that per entry, which a cached rebuild pays for every file it checks.

function entry(absolutePath: string, relativePath: string, contextPath: string): ContextEntry {
  try {
    const stats = fs.lstatSync(absolutePath);
    const found: ContextEntry = { relativePath, contextPath, absolutePath, stats };
    if (stats.isSymbolicLink()) found.linkTarget = fs.readlinkSync(absolutePath);
    return found;
  } catch (err) {
    throw wrapNodeError(err, absolutePath);
  }
}

/**
 * `pending` holds the excluded directories above this point that nothing kept has needed yet; the
 * first kept entry below them yields them (in order) and empties it.
 */
async function* walkDirectory(dir: ContextEntry, ignore: PatternMatcher, pending: ContextEntry[]): AsyncGenerator<ContextEntry> {
  let names: string[];
  try {
    names = fs.readdirSync(dir.absolutePath).sort(compareNames);
  } catch (err) {
    throw wrapNodeError(err, dir.absolutePath);
  }
  for (const name of names) {
    const child = entry(
      path.join(dir.absolutePath, name),
      dir.relativePath === '.' ? name : `${dir.relativePath}/${name}`,
      dir.contextPath === '.' ? name : `${dir.contextPath}/${name}`,
    );
    const isDirectory = child.stats.isDirectory();
    if (!ignore.excludes(child.contextPath)) {
      yield* pending.splice(0);
      yield child;
      if (isDirectory) yield* walkDirectory(child, ignore, []);
    } else if (isDirectory && ignore.mayIncludeBelow(child.contextPath)) {
      pending.push(child);
      yield* walkDirectory(child, ignore, pending);
      // Nothing below was kept: the directory is not yielded after all.
      if (pending.at(-1) === child) pending.pop();
    }
  }
}
