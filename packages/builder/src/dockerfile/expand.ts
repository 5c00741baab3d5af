import { InvalidArgumentError } from '@layerctl/sys';
import type { Instruction } from './instructions.ts';
import { DockerfileError } from './dockerfile-error.ts';
import { replaceMatches, trimPrefix, trimSuffix } from './shell-pattern.ts';
import { shellGlob } from '../glob/glob.ts';

/**
 * Docker's word expansion (BuildKit's frontend/dockerfile/shell lexer), not a shell:
 * - `$NAME`, `${NAME}`; `${NAME:-word}` (word when unset or empty), `${NAME-word}` (when unset),
 *   `${NAME:+word}` (word when set and not empty), `${NAME+word}` (when set), `${NAME:?msg}` and
 *   `${NAME?msg}` (an error when empty / unset). The word is itself expanded.
 * - `${NAME#glob}` `${NAME##glob}` remove the shortest / longest matching prefix, `%` `%%` the
 *   suffix, `${NAME/glob/word}` `${NAME//glob/word}` replace the first / every match (BuildKit's
 *   Dockerfile 1.7 additions; glob is `*`, `?`, `[...]`, escape for a literal character).
 * - A name is letters, digits and `_`; `$1` style digits and the special `$@ $* $# $? $- $$ $! $0`
 *   are names too (never set, so they expand to nothing). A `$` before anything else stays `$`.
 * - The escape character (`\` or the `# escape=` one) makes the next character literal and is
 *   dropped; at the very end it is dropped alone.
 * - '...' is literal; "..." expands `$` and lets the escape character quote `"`, `$` and itself
 *   (before anything else the escape character stays). Quotes are removed from the result.
 * Unset names expand to the empty string. Nothing else (no `~`, no globbing, no command
 * substitution, no arithmetic).
 *
 * Which instructions Docker expands, with the ARG and ENV values in scope at that step (ENV wins
 * over ARG of the same name; every pair of one ENV or LABEL line sees the values from before
 * that line):
 * - FROM image and --platform: with the global ARGs only (those before the first FROM).
 * - ARG default values; ENV and LABEL keys and values; WORKDIR; USER; STOPSIGNAL; VOLUME paths;
 *   ADD/COPY sources, destination, --chown, --chmod and --from.
 * - EXPOSE: each word through expandWords, so one variable may yield several ports.
 * - COPY/ADD heredoc bodies whose delimiter was not quoted, with expandHeredoc.
 * Never expanded: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK (the shell or the program sees the
 * text as written) and ONBUILD (its trigger is recorded as written and expanded when it fires).
 */
export const EXPANDED_INSTRUCTIONS: readonly Instruction['kind'][] = [
  'FROM', 'ARG', 'ENV', 'LABEL', 'WORKDIR', 'USER', 'STOPSIGNAL', 'VOLUME', 'ADD', 'COPY', 'EXPOSE',
];

/** The value of a variable in scope, or undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

export type EscapeChar = '\\' | '`';

/** A word that cannot be expanded: an unclosed quote, `${}`, `${NAME:?message}` when NAME is empty. */
export class ExpansionError extends InvalidArgumentError {
  readonly word: string;

  constructor(word: string, problem: string) {
    super(`${JSON.stringify(word)}: ${problem}`);
    this.word = word;
  }
}

/** Expands one word: quotes removed, variables replaced, no splitting. */
export function expandWord(word: string, lookup: Lookup, escape: EscapeChar = '\\'): string {
  return new Lexer(word, lookup, escape, {}).run().text;
}

/**
 * Expands one word and splits the result into words at unquoted white space, as Docker does for
 * EXPOSE: `$PORTS` holding "80 443" gives two words, `"$PORTS"` one.
 */
export function expandWords(word: string, lookup: Lookup, escape: EscapeChar = '\\'): string[] {
  return new Lexer(word, lookup, escape, {}).run().words;
}

/**
 * Expands a heredoc body whose delimiter was not quoted, as a POSIX shell expands a here-document:
 * variables are replaced; quotes are ordinary characters; `\` escapes only `$`, `` ` ``, `\` and a
 * newline (which it joins away) and is kept before anything else. The `# escape=` character does
 * not apply: the body is file content, not a Dockerfile word.
 */
export function expandHeredoc(content: string, lookup: Lookup): string {
  return new Lexer(content, lookup, '\\', { heredoc: true }).run().text;
}

/**
 * Runs `expand` for `instruction`, turning an ExpansionError into a DockerfileError that names
 * the instruction's file and line: the engine's one way to report a bad word.
 */
export function expandingIn<T>(instruction: Instruction, expand: () => T): T {
  try {
    return expand();
  } catch (err) {
    if (!(err instanceof ExpansionError)) throw err;
    const place = { file: instruction.location.file, line: instruction.location.startLine };
    throw new DockerfileError(place, instruction.kind, `cannot expand ${err.message}`, { cause: err });
  }
}

/** Splits words without expanding: quotes and escapes kept (for finding heredoc markers). */
export function rawWords(line: string, escape: EscapeChar = '\\'): string[] {
  return new Lexer(line, () => undefined, escape, { rawQuotes: true, rawEscapes: true, keepUnset: true }).run().words;
}

interface LexerOptions {
  /** Keep quote characters in the result. */
  rawQuotes?: boolean;
  /** Keep escape characters in the result. */
  rawEscapes?: boolean;
  /** Leave unset variables as written instead of expanding them to nothing. */
  keepUnset?: boolean;
  /** Here-document rules: quotes are not special, `\\` escapes only `$ \\ \` newline`. */
  heredoc?: boolean;
}

/** What `\\` escapes in a here-document (POSIX "Here-Document"). */
const HEREDOC_ESCAPABLE = new Set(['$', '`', '\\', '\n']);

/** Splits into words the way Docker's lexer does: space from a variable's value splits, quoted space does not. */
class Words {
  private word = '';
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word !== '') {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
      return;
    }
    this.addRaw(ch);
  }

  addRaw(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  addExpanded(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  finish(): string[] {
    if (this.word !== '') this.words.push(this.word);
    this.word = '';
    this.inWord = false;
    return this.words;
  }
}

const SPECIAL_PARAMETERS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

function isSpace(ch: string): boolean {
  return /^\s$/u.test(ch);
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && /^\p{Nd}$/u.test(ch);
}

function isNameChar(ch: string): boolean {
  return /^[\p{L}\p{Nd}_]$/u.test(ch);
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;
  private readonly source: string;
  private readonly lookup: Lookup;
  private readonly escape: EscapeChar;
  private readonly options: LexerOptions;

  constructor(source: string, lookup: Lookup, escape: EscapeChar, options: LexerOptions) {
    this.source = source;
    this.chars = Array.from(source);
    this.lookup = lookup;
    this.escape = escape;
    this.options = options;
  }

  run(): { text: string; words: string[] } {
    return this.until(undefined);
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  private fail(problem: string): never {
    throw new ExpansionError(this.source, problem);
  }

  /**
   * Reads up to `stop` or `alsoStop` (consumed; `stopped` says which) or to the end when `stop`
   * is undefined. `rawEscapes` keeps escape characters, for patterns that must tell `\*` from `*`.
   */
  private until(stop: string | undefined, more: { alsoStop?: string; rawEscapes?: boolean } = {}): { text: string; words: string[]; stopped?: string } {
    let text = '';
    const words = new Words();
    const rawEscapes = more.rawEscapes ?? this.options.rawEscapes;
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && (ch === stop || ch === more.alsoStop)) {
        this.next();
        return { text, words: words.finish(), stopped: ch };
      }
      if (this.options.heredoc && ch === '\\') {
        this.next();
        text += this.heredocEscape();
        continue;
      }
      if (ch === '$' || (!this.options.heredoc && (ch === "'" || ch === '"'))) {
        const part = ch === "'" ? this.singleQuoted() : ch === '"' ? this.doubleQuoted() : this.dollar();
        text += part;
        if (ch === '$') words.addExpanded(part);
        else words.addRaw(part);
        continue;
      }
      this.next();
      if (ch === this.escape) {
        if (rawEscapes) {
          words.addRaw(ch);
          text += ch;
        }
        const escaped = this.next();
        if (escaped === undefined) break;
        words.addRaw(escaped);
        text += escaped;
        continue;
      }
      words.addChar(ch);
      text += ch;
    }
    if (stop !== undefined) this.fail(`syntax error: missing '${stop}'`);
    return { text, words: words.finish() };
  }

  private heredocEscape(): string {
    const after = this.peek();
    if (after === undefined || !HEREDOC_ESCAPABLE.has(after)) return '\\';
    this.next();
    return after === '\n' ? '' : after;
  }

  private singleQuoted(): string {
    const open = this.next() ?? '';
    let text = this.options.rawQuotes ? open : '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) this.fail('unexpected end of word while looking for the matching single quote');
      if (ch === "'") return this.options.rawQuotes ? text + ch : text;
      text += ch;
    }
  }

  private doubleQuoted(): string {
    const open = this.next() ?? '';
    let text = this.options.rawQuotes ? open : '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('unexpected end of word while looking for the matching double quote');
      if (ch === '"') {
        this.next();
        return this.options.rawQuotes ? text + ch : text;
      }
      if (ch === '$') {
        text += this.dollar();
        continue;
      }
      this.next();
      if (ch !== this.escape) {
        text += ch;
        continue;
      }
      if (this.options.rawEscapes) text += ch;
      const after = this.peek();
      if (after === undefined) continue;
      if (after === '"' || after === '$' || after === this.escape) text += this.next() ?? '';
      else if (!this.options.rawEscapes) text += ch;
    }
  }

  private name(): string {
    const first = this.peek();
    if (first === undefined) return '';
    if (isDigit(first)) {
      let digits = '';
      while (isDigit(this.peek())) digits += this.next() ?? '';
      return digits;
    }
    if (SPECIAL_PARAMETERS.has(first)) return this.next() ?? '';
    let name = '';
    for (let ch = this.peek(); ch !== undefined && isNameChar(ch); ch = this.peek()) name += this.next() ?? '';
    return name;
  }

  private value(name: string): string | undefined {
    return this.lookup(name);
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const value = this.value(name);
      if (value === undefined && this.options.keepUnset) return `$${name}`;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === undefined) this.fail("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') this.fail('syntax error: bad substitution');
    const name = this.name();
    const modifier = this.next();
    if (modifier === undefined) this.fail("syntax error: missing '}'");
    const value = this.value(name);
    if (modifier === '}') {
      if (value === undefined && this.options.keepUnset) return `\${${name}}`;
      return value ?? '';
    }
    if (modifier === ':') {
      const op = this.next();
      if (op === undefined) this.fail("syntax error: missing '}'");
      const word = this.until('}').text;
      if (value === undefined && this.options.keepUnset) return `\${${name}:${op}${word}}`;
      return this.modify(name, `:${op}`, value === '' ? undefined : value, word);
    }
    if (modifier === '-' || modifier === '+' || modifier === '?') {
      const word = this.until('}').text;
      if (value === undefined && this.options.keepUnset) return `\${${name}${modifier}${word}}`;
      return this.modify(name, modifier, value, word);
    }
    if (modifier === '#' || modifier === '%' || modifier === '/') return this.patternOperation(name, modifier, value);
    return this.fail(`unsupported modifier (${modifier}) in substitution`);
  }

  /**
   * `${NAME#pattern}` / `##` (remove the shortest / longest matching prefix), `%` / `%%` (suffix),
   * `${NAME/pattern/replacement}` / `//` (replace the first / every longest match). The pattern is
   * a shell glob: `*`, `?`, `[...]`, `\` for a literal character.
   */
  private patternOperation(name: string, op: string, value: string | undefined): string {
    const doubled = this.peek() === op;
    if (doubled) this.next();
    const pattern = this.until('}', { rawEscapes: true, alsoStop: op === '/' ? '/' : undefined });
    const replacement = pattern.stopped === '/' ? this.until('}').text : '';
    const written = `\${${name}${op}${doubled ? op : ''}${pattern.text}${pattern.stopped === '/' ? `/${replacement}` : ''}}`;
    if (value === undefined && this.options.keepUnset) return written;
    const glob = shellGlob(pattern.text, this.escape);
    const chars = Array.from(value ?? '');
    if (op === '#') return trimPrefix(chars, glob, doubled);
    if (op === '%') return trimSuffix(chars, glob, doubled);
    return replaceMatches(chars, glob, replacement, doubled);
  }

  /** `value` is undefined when the variable counts as missing for this operator (`:` makes empty count). */
  private modify(name: string, op: string, value: string | undefined, word: string): string {
    switch (op.replace(':', '')) {
      case '-':
        return value ?? word;
      case '+':
        return value === undefined ? '' : word;
      case '?':
        if (value === undefined) {
          const why = word !== '' ? word : op.startsWith(':') ? 'is not allowed to be empty' : 'is not allowed to be unset';
          this.fail(`${name}: ${why}`);
        }
        return value;
      default:
        return this.fail(`unsupported modifier (${op}) in substitution`);
    }
  }
}
