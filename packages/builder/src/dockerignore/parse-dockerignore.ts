import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, SysError, wrapNodeError } from '@layerctl/sys';
import { cleanPath } from '../context/clean-path.ts';
import { PatternMatcher } from './pattern-matcher.ts';

/** The ignore file Docker reads from the context root. */
export const DOCKERIGNORE_FILE = '.dockerignore';

/** A .dockerignore larger than this is refused: it is read whole, and real ones are a few KiB. */
const MAX_DOCKERIGNORE_BYTES = 1024 * 1024;

const UTF8_BOM = '\ufeff';

/**
 * The patterns of a .dockerignore text, as moby's ignorefile.ReadAll reads them: a line starting
 * with `#` is a comment; lines are trimmed and blank ones skipped; `!` marks an exception (blanks
 * after it allowed); each pattern is cleaned (path.Clean) and a leading `/` dropped, since every
 * pattern is relative to the context root anyway.
 */
export function parseDockerignore(text: string): string[] {
  const body = text.startsWith(UTF8_BOM) ? text.slice(UTF8_BOM.length) : text;
  const patterns: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const exception = pattern.startsWith('!');
    if (exception) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(exception ? `!${pattern}` : pattern);
  }
  return patterns;
}

/** The matcher for `contextDir`'s .dockerignore; one that excludes nothing when there is no such file. */
export async function readDockerignore(contextDir: string): Promise<PatternMatcher> {
  const file = path.join(contextDir, DOCKERIGNORE_FILE);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const wrapped = wrapNodeError(err, file);
    if (wrapped instanceof SysError && wrapped.code === 'ENOENT') return new PatternMatcher([]);
    // A symlink could point the builder at any file on the host; Docker reads a regular file.
    if (wrapped instanceof SysError && wrapped.code === 'ELOOP') throw new InvalidArgumentError(`${file} is a symbolic link; make it a regular file`);
    throw wrapped;
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_DOCKERIGNORE_BYTES) throw new InvalidArgumentError(`${file}: ${size} bytes is more than a .dockerignore may hold (${MAX_DOCKERIGNORE_BYTES})`);
    return new PatternMatcher(parseDockerignore(await handle.readFile('utf8')));
  } finally {
    await handle.close();
  }
}
