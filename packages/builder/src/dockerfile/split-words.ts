import type { EscapeChar } from './expand.ts';

// How Docker's parser cuts an instruction's text into words before any expansion. Quotes and
// escape characters stay in the words: expansion (expand.ts) removes them later, at the step.

const WHITESPACE = /[\t\v\f\r ]+/;

function isSpace(ch: string): boolean {
  return /^\s$/u.test(ch);
}

/** FROM, EXPOSE and the non-JSON forms of COPY, ADD and VOLUME: plain runs of white space, no quoting. */
export function splitWhitespace(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(WHITESPACE);
}

/** Cuts at the first run of white space: [head, rest] (rest '' when there is none). */
export function splitFirstWord(text: string): [string, string] {
  const trimmed = text.trim();
  const match = WHITESPACE.exec(trimmed);
  if (match === null) return [trimmed, ''];
  return [trimmed.slice(0, match.index), trimmed.slice(match.index + match[0].length)];
}

/**
 * ENV, LABEL and ARG: words split at white space outside quotes, with quotes and escape
 * characters kept (Docker's parseWords). An escape character outside quotes keeps the character
 * after it in the same word; inside single quotes it is an ordinary character.
 */
export function splitQuotedWords(text: string, escape: EscapeChar): string[] {
  const chars = Array.from(text);
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (quote === undefined && isSpace(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
      continue;
    }
    started = true;
    if (quote === undefined && (ch === "'" || ch === '"')) quote = ch;
    else if (ch === quote) quote = undefined;
    if (ch === escape && quote !== "'") {
      // An escape character at the very end is dropped (Docker skips it).
      if (i + 1 === chars.length) continue;
      word += ch;
      i++;
      word += chars[i] ?? '';
      continue;
    }
    word += ch;
  }
  if (started) words.push(word);
  return words;
}

/**
 * Leading `--name=value` words of an instruction (Docker's extractBuilderFlags). Flag words may be
 * quoted ("--chown=a b" in quotes) and use `\` to escape; `--` alone ends the flags. Returns the
 * flag words without quotes and the text after them.
 */
export function extractFlags(text: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isSpace(text[pos] ?? '')) pos++;
    if (!text.startsWith('--', pos)) return { flags, rest: text.slice(pos) };
    const { word, end, quoted } = readFlagWord(text, pos);
    if (word === '--') return { flags, rest: text.slice(end) };
    if (quoted || word !== '') flags.push(word);
    pos = end;
  }
}

function readFlagWord(text: string, start: number): { word: string; end: number; quoted: boolean } {
  let word = '';
  let quote: string | undefined;
  let quoted = false;
  let pos = start;
  for (; pos < text.length; pos++) {
    let ch = text[pos] ?? '';
    if (quote === undefined && isSpace(ch)) break;
    if (quote === undefined && (ch === "'" || ch === '"')) {
      quote = ch;
      quoted = true;
      continue;
    }
    if (ch === quote) {
      quote = undefined;
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === text.length) continue;
      pos++;
      ch = text[pos] ?? '';
    }
    word += ch;
  }
  return { word, end: pos, quoted };
}
