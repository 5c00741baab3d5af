import { ExpansionError, expandWord, rawWords } from './expand.ts';

/** `<<EOF`, `<<-EOF`, `3<<"EOF"`: a heredoc marker word (BuildKit's reHeredoc). */
const HEREDOC_MARKER = /^(\d*)<<(-?)([^<]*)$/;

/** What a heredoc marker says about the body that follows the instruction. */
export interface HeredocMarker {
  /** The delimiter with its quotes removed. */
  name: string;
  /** False when any part of the delimiter was quoted: the body is then literal. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body and from the delimiter line. */
  stripTabs: boolean;
}

function quoteCount(text: string): number {
  return text.split('').filter((ch) => ch === '"' || ch === "'").length;
}

/** The marker a word spells, or undefined when the word is not a heredoc marker. */
export function heredocMarker(word: string): HeredocMarker | undefined {
  if (!HEREDOC_MARKER.test(word)) return undefined;
  let unquoted: string;
  try {
    unquoted = expandWord(word, () => undefined);
  } catch (err) {
    // `<<${X` cannot be lexed, so it is no marker; RUN hands it to the shell, COPY takes it as a path.
    if (err instanceof ExpansionError) return undefined;
    throw err;
  }
  const match = HEREDOC_MARKER.exec(unquoted);
  const name = match?.[3] ?? '';
  if (match === null || name === '') return undefined;
  return { name, expand: quoteCount(unquoted) === quoteCount(word), stripTabs: match[2] === '-' };
}

/**
 * Every heredoc marker on an instruction line, in order. Words are cut as Docker's lexer cuts them
 * (always with `\` as escape character, as BuildKit does here), so a quoted "<<EOF" is no marker.
 */
export function heredocMarkers(line: string): HeredocMarker[] {
  let words: string[];
  try {
    words = rawWords(line);
  } catch (err) {
    // A line the lexer cannot cut (an unclosed quote) has no markers, as in BuildKit; the shell
    // or the instruction's own parser reports the quote.
    if (err instanceof ExpansionError) return [];
    throw err;
  }
  return words.flatMap((word) => heredocMarker(word) ?? []);
}
