import type { Glob } from '../glob/glob.ts';

// The shell patterns of `${NAME#glob}`, `${NAME%glob}` and `${NAME/glob/word}`: each search is
// one linear pass of the glob (glob/glob.ts) from a starting point, never a retry per candidate.

/** `${NAME#glob}` (shortest) and `${NAME##glob}` (longest): the value without the matching prefix. */
export function trimPrefix(chars: readonly string[], glob: Glob, longest: boolean): string {
  const lengths = glob.matchLengths(chars, 0);
  const cut = longest ? lengths.at(-1) : lengths[0];
  return chars.slice(cut ?? 0).join('');
}

/** `${NAME%glob}` (shortest) and `${NAME%%glob}` (longest): the value without the matching suffix. */
export function trimSuffix(chars: readonly string[], glob: Glob, longest: boolean): string {
  const reversed = [...chars].reverse();
  const lengths = glob.reversed().matchLengths(reversed, 0);
  const cut = longest ? lengths.at(-1) : lengths[0];
  return chars.slice(0, chars.length - (cut ?? 0)).join('');
}

/**
 * `${NAME/glob/word}` and `${NAME//glob/word}`: the longest match at the leftmost position is
 * replaced (every such match, left to right, with `all`); an empty match never counts.
 */
export function replaceMatches(chars: readonly string[], glob: Glob, replacement: string, all: boolean): string {
  let out = '';
  let start = 0;
  while (start < chars.length) {
    const longest = glob.matchLengths(chars, start).at(-1) ?? 0;
    if (longest === 0) {
      out += chars[start] ?? '';
      start++;
      continue;
    }
    out += replacement;
    start += longest;
    if (!all) return out + chars.slice(start).join('');
  }
  return out;
}
