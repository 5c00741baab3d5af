import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, NotFoundError, SysError, wrapNodeError } from '@layerctl/sys';
import type { PatternMatcher } from '../dockerignore/pattern-matcher.ts';
import { hasWildcards, pathGlob, unescapeGlob } from '../glob/glob.ts';
import { cleanPath } from './clean-path.ts';
import { resolveInScope } from './resolve-in-scope.ts';

/** One path of the build context a COPY or ADD source selected. */
export interface SelectedSource {
  /** The source word that selected it, as expanded ("src/*.js"). */
  source: string;
  /** The path that matched, relative to the context, '/'-separated ('.' for the context itself). */
  contextPath: string;
  /** Its name at a directory destination: the last element of contextPath (a symlink's own name, as in Docker). */
  name: string;
  /** contextPath with its symlinks followed inside the context (resolveInScope), relative to the context. */
  resolvedPath: string;
  /** The resolved path on disk: contextDir joined with resolvedPath. */
  absolutePath: string;
  /** A directory source copies its contents; anything else copies itself. */
  isDirectory: boolean;
}

/** Sources ADD would fetch from the network or git: layerctl fetches nothing, so they are refused. */
const REMOTE_SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

/** Whether `source` is a URL or git address rather than a path in the context. */
export function isRemoteSource(source: string): boolean {
  return REMOTE_SOURCE.test(source);
}

/**
 * The context paths COPY/ADD `sources` (expanded words) select, in source order, with Docker's rules:
 * - A source is relative to the context root; a leading `/` means the root too. One that leads
 *   out of the context (`../x`) is refused.
 * - A source with `*`, `?` or `[` is a pattern matched element by element (Go's filepath.Match:
 *   `*` stays within one element and also matches names starting with a dot); its matches come
 *   in name order. A pattern matching nothing is an error naming it, as in BuildKit.
 * - Paths .dockerignore excludes are not in the context: they match no pattern, and naming one is
 *   an error like naming a missing file. A directory that is excluded but may hold paths an
 *   exception brings back stays, holding only those.
 * - Symlinks in a source's path, its last element included, are followed inside the context
 *   (absolute targets from the context root, `..` stopping there): a link can never select a
 *   file outside the context. Symlinks below a selected directory are not followed here; they are
 *   copied as symlinks (see walkSource).
 * Throws NotFoundError for a missing source, InvalidArgumentError for an escaping or remote one.
 */
export async function selectSources(contextDir: string, sources: readonly string[], ignore: PatternMatcher): Promise<SelectedSource[]> {
  const selected: SelectedSource[] = [];
  for (const source of sources) {
    if (isRemoteSource(source)) {
      throw new InvalidArgumentError(`${source}: layerctl does not fetch URLs or git repositories; download it into the build context and name that path`);
    }
    // A NUL cannot be in a path; Node would throw a TypeError for it instead of a clear refusal.
    if (source.includes('\0')) throw new InvalidArgumentError(`${JSON.stringify(source)}: a path cannot hold a NUL character`);
    const cleaned = cleanPath(source);
    const inContext = cleaned.startsWith('/') ? cleanPath(cleaned.slice(1)) : cleaned;
    if (inContext === '..' || inContext.startsWith('../')) {
      throw new InvalidArgumentError(`${source}: the path leads outside the build context; sources are paths inside it`);
    }
    if (!hasWildcards(inContext)) {
      selected.push(await select(contextDir, source, inContext, ignore));
      continue;
    }
    const matches = await matchPattern(contextDir, source, inContext, ignore);
    if (matches.length === 0) throw new NotFoundError(`${source}: no file in the build context matches it`);
    selected.push(...matches);
  }
  return selected;
}

async function select(contextDir: string, source: string, contextPath: string, ignore: PatternMatcher): Promise<SelectedSource> {
  const found = await lookUp(contextDir, source, contextPath);
  if (found === undefined) throw new NotFoundError(`${source}: ${contextPath === source ? 'not' : `${contextPath} is not`} in the build context`);
  if (!isPresent(found, ignore)) throw new NotFoundError(`${source}: ${contextPath} is excluded by .dockerignore`);
  return found;
}

/** The context path, its symlinks followed inside the context; undefined when it does not exist. */
async function lookUp(contextDir: string, source: string, contextPath: string): Promise<SelectedSource | undefined> {
  const resolvedPath = await resolveInScope(contextDir, contextPath);
  if (resolvedPath === undefined) return undefined;
  const absolutePath = path.join(contextDir, resolvedPath);
  const isDirectory = (await statOf(absolutePath)).isDirectory();
  const name = contextPath === '.' ? '.' : path.posix.basename(contextPath);
  return { source, contextPath, name, resolvedPath, absolutePath, isDirectory };
}

/** Whether the path, as named and as resolved, is part of the context as Docker sends it. */
function isPresent(found: SelectedSource, ignore: PatternMatcher): boolean {
  return present(found.contextPath, found.isDirectory, ignore) && present(found.resolvedPath, found.isDirectory, ignore);
}

/** Whether a path is part of the context as sent: not excluded, or a directory an exception may reach into. */
function present(contextPath: string, isDirectory: boolean, ignore: PatternMatcher): boolean {
  if (contextPath === '.') return true;
  return !ignore.excludes(contextPath) || (isDirectory && ignore.mayIncludeBelow(contextPath));
}

async function statOf(file: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.stat(file);
  } catch (err) {
    throw wrapNodeError(err, file);
  }
}

/**
 * What a wildcard source matches: the pattern is taken element by element; an element with
 * wildcards lists the directory so far (followed inside the context) and keeps the names it
 * matches, an element without is appended as it is. Paths not in the context as sent
 * (.dockerignore) are no match.
 */
async function matchPattern(contextDir: string, source: string, pattern: string, ignore: PatternMatcher): Promise<SelectedSource[]> {
  let candidates = ['.'];
  for (const element of pattern.split('/')) {
    const next: string[] = [];
    for (const dir of candidates) {
      if (!hasWildcards(element)) {
        next.push(joinContext(dir, unescapeGlob(element)));
        continue;
      }
      const glob = pathGlob(element);
      for (const name of await listDirectory(contextDir, dir)) {
        if (glob.matches(name)) next.push(joinContext(dir, name));
      }
    }
    candidates = next;
  }
  const matches: SelectedSource[] = [];
  for (const candidate of candidates) {
    const found = await lookUp(contextDir, source, candidate);
    if (found !== undefined && isPresent(found, ignore)) matches.push(found);
  }
  return matches;
}

function joinContext(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/** The names in context directory `dir` (followed inside the context), sorted; none when it is no directory. */
async function listDirectory(contextDir: string, dir: string): Promise<string[]> {
  const resolved = await resolveInScope(contextDir, dir);
  if (resolved === undefined) return [];
  const absolute = path.join(contextDir, resolved);
  try {
    return (await fs.readdir(absolute)).sort(compareNames);
  } catch (err) {
    const wrapped = wrapNodeError(err, absolute);
    if (wrapped instanceof SysError && wrapped.code === 'ENOTDIR') return [];
    throw wrapped;
  }
}

/** Byte order of the UTF-8 names, the order Go's sort.Strings and tar listings use. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
