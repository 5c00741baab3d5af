import type { EscapeChar } from './expand.ts';

// The shell patterns of `${NAME#glob}`, `${NAME%glob}` and `${NAME/glob/word}`: matched against
// whole strings, tried from the shortest or the longest candidate as the operator asks.
/** A whole-string matcher for a shell glob: `*` any run, `?` one character, `[...]` (`[!...]` or `[^...]` negated), escape for literal. */
export function globMatcher(pattern: string, escape: EscapeChar): (text: string) => boolean {
  const chars = Array.from(pattern);
  let source = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === escape && i + 1 < chars.length) source += regexLiteral(chars[++i] ?? '');
    else if (ch === '*') source += '[^]*';
    else if (ch === '?') source += '[^]';
    else if (ch === '[' && chars.indexOf(']', i + 2) !== -1) {
      const end = chars.indexOf(']', i + 2);
      let inner = chars.slice(i + 1, end);
      const negated = inner[0] === '!' || inner[0] === '^';
      if (negated) inner = inner.slice(1);
      source += `[${negated ? '^' : ''}${inner.map((c) => (c === '-' ? '-' : regexLiteral(c))).join('')}]`;
      i = end;
    } else source += regexLiteral(ch);
  }
  const regex = new RegExp(`^(?:${source})$`, 'u');
  return (text) => regex.test(text);
}

function regexLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

export function trimPrefix(chars: string[], matches: (text: string) => boolean, longest: boolean): string {
  for (let n = 0; n <= chars.length; n++) {
    const i = longest ? chars.length - n : n;
    if (matches(chars.slice(0, i).join(''))) return chars.slice(i).join('');
  }
  return chars.join('');
}

export function trimSuffix(chars: string[], matches: (text: string) => boolean, longest: boolean): string {
  for (let n = 0; n <= chars.length; n++) {
    const i = longest ? n : chars.length - n;
    if (matches(chars.slice(i).join(''))) return chars.slice(0, i).join('');
  }
  return chars.join('');
}

/** Replaces the longest match at the leftmost position (every such match with `all`); an empty match never counts. */
export function replaceMatches(chars: string[], matches: (text: string) => boolean, replacement: string, all: boolean): string {
  let out = '';
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    while (end > start && !matches(chars.slice(start, end).join(''))) end--;
    if (end === start) {
      out += chars[start] ?? '';
      start++;
      continue;
    }
    out += replacement;
    start = end;
    if (!all) return out + chars.slice(start).join('');
  }
  return out;
}
