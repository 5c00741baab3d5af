import { InvalidArgumentError } from '@layerctl/sys';
import { cleanPath } from '../context/clean-path.ts';
import { pathGlob, type Glob } from '../glob/glob.ts';

interface Pattern {
  /** The pattern as cleaned, without its `!`. */
  text: string;
  /** `!pattern`: an exception that brings matching paths back. */
  exception: boolean;
  glob: Glob;
  /** One glob per path element, for asking whether the pattern could match below a directory. */
  elements: (Glob | 'globstar')[];
}

/** The pattern elements a prefix of a path must match, element by element (`**` matches any run). */
function elementGlobs(text: string): (Glob | 'globstar')[] {
  return text.split('/').map((element) => (element.includes('**') ? 'globstar' : pathGlob(element)));
}

/**
 * Docker's .dockerignore matching (moby/patternmatcher): a path is excluded when the last pattern
 * that matches it, or matches one of its parent directories, is not an exception (`!`). So
 * `foo` excludes foo and all below it, and a later `!foo/keep` brings foo/keep back.
 * Paths are '/'-separated and relative to the context root ("a/b.txt").
 */
export class PatternMatcher {
  private readonly patterns: Pattern[];

  /** `patterns` as parseDockerignore gives them; each is cleaned again, as Docker does. */
  constructor(patterns: readonly string[]) {
    this.patterns = [];
    for (const written of patterns) {
      let text = cleanPath(written.trim());
      if (written.trim() === '') continue;
      const exception = text.startsWith('!');
      if (exception) {
        if (text.length === 1) throw new InvalidArgumentError('.dockerignore: "!" alone is not a pattern; write !path to bring a path back');
        text = text.slice(1);
      }
      this.patterns.push({ text, exception, glob: pathGlob(text), elements: elementGlobs(text) });
    }
  }

  /** Whether any pattern is an exception; without one an excluded directory can be skipped whole. */
  get hasExceptions(): boolean {
    return this.patterns.some((pattern) => pattern.exception);
  }

  /** Whether `path` is excluded: by a pattern matching it or one of its parents, and no later exception. */
  excludes(path: string): boolean {
    const parents = parentPaths(path);
    let excluded = false;
    for (const pattern of this.patterns) {
      // Only a pattern that would change the answer needs a look (moby skips the rest too).
      if (pattern.exception !== excluded) continue;
      if (pattern.glob.matches(path) || parents.some((parent) => pattern.glob.matches(parent))) excluded = !pattern.exception;
    }
    return excluded;
  }

  /**
   * Whether some exception could bring back a path below the directory `dir`: when none can, an
   * excluded directory is skipped whole; when one can, it is walked and each path asked.
   */
  mayIncludeBelow(dir: string): boolean {
    const dirElements = dir === '.' ? [] : dir.split('/');
    return this.patterns.some((pattern) => pattern.exception && couldMatchBelow(pattern, dirElements));
  }
}

/** "a/b/c" -> ["a", "a/b"]. */
function parentPaths(path: string): string[] {
  const elements = path.split('/');
  return elements.slice(0, -1).map((_, i) => elements.slice(0, i + 1).join('/'));
}

function couldMatchBelow(pattern: Pattern, dirElements: string[]): boolean {
  for (const [i, element] of dirElements.entries()) {
    const patternElement = pattern.elements[i];
    // The pattern matched a parent of everything below: an exception for all of it.
    if (patternElement === undefined) return true;
    if (patternElement === 'globstar') return true;
    if (!patternElement.matches(element)) return false;
  }
  return true;
}
