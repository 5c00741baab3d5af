import { InvalidArgumentError } from '@layerctl/sys';

/**
 * Glob patterns of two dialects, matched against a whole string in time linear in its length
 * (a set of positions in the pattern advances one character at a time, as Go's RE2 does). A
 * JavaScript regular expression would backtrack: a hostile .dockerignore repeating `**` elements,
 * or `*a*a*a*a*b`, would hang the build on one long path.
 *
 * - pathGlob: .dockerignore and COPY source patterns (moby/patternmatcher, Go's filepath.Match):
 *   `*` any run within one path element, `?` one character but `/`, `[...]` a class (`[^...]`
 *   negated), `\` makes the next character literal, `**` any number of whole elements (`**` at
 *   the end: everything). A malformed class is an InvalidArgumentError.
 * - shellGlob: `${NAME#glob}` and friends: `*` any run, `/` included, `?` any character,
 *   `[...]` with `!` or `^` negation, the Dockerfile's escape character for a literal character;
 *   a `[` without its `]` is literal.
 */
export interface Glob {
  matches(text: string): boolean;
  /** The lengths n for which chars[from, from + n) matches, ascending, in one linear pass. */
  matchLengths(chars: readonly string[], from: number): number[];
  /** The glob matching the reversed strings (for suffixes); shell globs only. */
  reversed(): Glob;
}

type Token =
  | { kind: 'char'; char: string }
  | { kind: 'class'; negated: boolean; ranges: [string, string][] }
  /** `?`: one character; `slash` says whether that may be `/`. */
  | { kind: 'one'; slash: boolean }
  /** `*`: any run of characters; `slash` says whether it may hold `/`. */
  | { kind: 'run'; slash: boolean }
  /** `**` and `/` before more pattern: nothing, or any run ending in `/`. */
  | { kind: 'dirs' };

export function pathGlob(pattern: string): Glob {
  return new TokenGlob(pathTokens(pattern));
}

export function shellGlob(pattern: string, escape: string): Glob {
  return new TokenGlob(shellTokens(pattern, escape));
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

/** The path a pattern element without wildcards names: its escapes removed. */
export function unescapeGlob(text: string): string {
  return text.replace(/\\(.)/gsu, '$1');
}

function pathTokens(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '*' && chars[i + 1] === '*') {
      i++;
      if (chars[i + 1] === '/') i++;
      tokens.push(i + 1 >= chars.length ? { kind: 'run', slash: true } : { kind: 'dirs' });
    } else if (ch === '*') tokens.push({ kind: 'run', slash: false });
    else if (ch === '?') tokens.push({ kind: 'one', slash: false });
    else if (ch === '\\') tokens.push({ kind: 'char', char: chars[++i] ?? '\\' });
    else if (ch === '[') {
      const parsed = characterClass(chars, i, '\\', ['^']);
      if (parsed === undefined) throw badPattern(pattern, 'has a [ without its closing ]');
      if (parsed.token.ranges.length === 0) throw badPattern(pattern, 'has an empty character class');
      tokens.push(parsed.token);
      i = parsed.end;
    } else tokens.push({ kind: 'char', char: ch });
  }
  return tokens;
}

function shellTokens(pattern: string, escape: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === escape && i + 1 < chars.length) tokens.push({ kind: 'char', char: chars[++i] ?? '' });
    else if (ch === '*') tokens.push({ kind: 'run', slash: true });
    else if (ch === '?') tokens.push({ kind: 'one', slash: true });
    else if (ch === '[') {
      const parsed = characterClass(chars, i, escape, ['!', '^']);
      if (parsed === undefined || parsed.token.ranges.length === 0) tokens.push({ kind: 'char', char: ch });
      else {
        tokens.push(parsed.token);
        i = parsed.end;
      }
    } else tokens.push({ kind: 'char', char: ch });
  }
  return tokens;
}

/** The class opened at `open`, and the index of its `]`; undefined when it is never closed. */
function characterClass(chars: string[], open: number, escape: string, negators: string[]): { token: Token & { kind: 'class' }; end: number } | undefined {
  let i = open + 1;
  const negated = negators.includes(chars[i] ?? '');
  if (negated) i++;
  const ranges: [string, string][] = [];
  for (; i < chars.length; i++) {
    let ch = chars[i] ?? '';
    if (ch === ']') return { token: { kind: 'class', negated, ranges }, end: i };
    if (ch === escape) ch = chars[++i] ?? '';
    if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      let hi = chars[i + 2] ?? '';
      i += 2;
      if (hi === escape) hi = chars[++i] ?? '';
      ranges.push([ch, hi]);
    } else ranges.push([ch, ch]);
  }
  return undefined;
}

function badPattern(pattern: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`pattern ${JSON.stringify(pattern)} ${problem}`);
}

function inClass(token: Token & { kind: 'class' }, ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  const hit = token.ranges.some(([lo, hi]) => code >= (lo.codePointAt(0) ?? 0) && code <= (hi.codePointAt(0) ?? 0));
  return hit !== token.negated;
}

/**
 * A state is a position in the token list times two, plus one while inside a `dirs` token's run
 * (where the empty alternative is no longer open).
 */
class TokenGlob implements Glob {
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  matches(text: string): boolean {
    const chars = Array.from(text);
    return this.matchLengths(chars, 0).at(-1) === chars.length;
  }

  matchLengths(chars: readonly string[], from: number): number[] {
    const accept = this.tokens.length * 2;
    const lengths: number[] = [];
    let states = this.closure([0]);
    for (let i = from; ; i++) {
      if (states.has(accept)) lengths.push(i - from);
      const ch = chars[i];
      if (ch === undefined) return lengths;
      const next: number[] = [];
      for (const state of states) this.step(state, ch, next);
      states = this.closure(next);
      if (states.size === 0) return lengths;
    }
  }

  reversed(): Glob {
    if (this.tokens.some((token) => token.kind === 'dirs')) throw new InvalidArgumentError('a path glob with ** cannot be reversed');
    return new TokenGlob([...this.tokens].reverse());
  }

  private step(state: number, ch: string, next: number[]): void {
    const index = state >> 1;
    const token = this.tokens[index];
    if (token === undefined) return;
    switch (token.kind) {
      case 'char':
        if (ch === token.char) next.push((index + 1) * 2);
        return;
      case 'class':
        if (inClass(token, ch)) next.push((index + 1) * 2);
        return;
      case 'one':
        if (token.slash || ch !== '/') next.push((index + 1) * 2);
        return;
      case 'run':
        if (token.slash || ch !== '/') next.push(index * 2);
        return;
      case 'dirs':
        next.push(index * 2 + 1);
        if (ch === '/') next.push((index + 1) * 2);
        return;
    }
  }

  /** Adds the states reachable without reading a character: past an empty `*` or an empty `dirs`. */
  private closure(start: number[]): Set<number> {
    const states = new Set<number>();
    const work = [...start];
    for (let state = work.pop(); state !== undefined; state = work.pop()) {
      if (states.has(state)) continue;
      states.add(state);
      const token = this.tokens[state >> 1];
      if ((state & 1) === 0 && (token?.kind === 'run' || token?.kind === 'dirs')) work.push(state + 2);
    }
    return states;
  }
}
