import { InvalidArgumentError } from '@layerctl/sys';

/** Characters with a meaning in a JavaScript regular expression (escaped when a pattern means them literally). */
const REGEX_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function literal(ch: string): string {
  return REGEX_SYNTAX.has(ch) ? `\\${ch}` : ch;
}

/**
 * A regular expression for one Docker path pattern (moby/patternmatcher's compile): `*` matches
 * within one path element, `?` one character but `/`, `[...]` a class (`[^...]` negated), `\`
 * makes the next character literal, and `**` matches any number of whole elements (`**` at the
 * end matches everything, `a/**` everything below a). Matching is against '/'-separated paths
 * relative to the context, whole-path. Throws InvalidArgumentError for a malformed class, as
 * Go's filepath.Match would.
 */
export function globRegex(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let source = '^';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '*') {
      if (chars[i + 1] !== '*') {
        source += '[^/]*';
        continue;
      }
      i++;
      if (chars[i + 1] === '/') i++;
      source += i + 1 >= chars.length ? '.*' : '(?:.*/)?';
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) source += '\\\\';
      else {
        source += literal(next);
        i++;
      }
    } else if (ch === '[') {
      const end = classEnd(chars, i, pattern);
      source += characterClass(chars.slice(i + 1, end));
      i = end;
    } else {
      source += literal(ch);
    }
  }
  return new RegExp(`${source}$`, 'su');
}

/** Index of the `]` closing the class opened at `open`. */
function classEnd(chars: string[], open: number, pattern: string): number {
  let i = open + 1;
  if (chars[i] === '^') i++;
  if (chars[i] === ']') throw badPattern(pattern, 'has an empty character class');
  for (; i < chars.length; i++) {
    if (chars[i] === '\\') i++;
    else if (chars[i] === ']') return i;
  }
  throw badPattern(pattern, 'has a [ without its closing ]');
}

function characterClass(inner: string[]): string {
  let source = '[';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] ?? '';
    if (i === 0 && ch === '^') source += '^';
    else if (ch === '\\') {
      source += literal(inner[i + 1] ?? '\\');
      i++;
    } else if (ch === '-') source += '-';
    else source += literal(ch);
  }
  return `${source}]`;
}

function badPattern(pattern: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`pattern ${JSON.stringify(pattern)} ${problem}`);
}

/** Whether `text` holds an unescaped `*`, `?` or `[`: a COPY source with one is matched, not named. */
export function hasWildcards(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** The path a pattern without wildcards names: its escapes removed. */
export function unescapeGlob(text: string): string {
  return text.replace(/\\(.)/gsu, '$1');
}
