import type { EscapeChar } from './expand.ts';
import type { Heredoc, SourceLocation } from './instructions.ts';
import { DockerfileError } from './dockerfile-error.ts';

/**
 * One instruction as the line reader hands it to the instruction parsers: continuations joined,
 * comments dropped, heredoc bodies read, the keyword and the leading `--flags` split off.
 */
export interface RawInstruction {
  /** The keyword in upper case ('RUN'); Dockerfiles may write it in any case. */
  keyword: string;
  /** The `--name=value` words before the arguments, quotes removed. */
  flags: string[];
  /** The text after the keyword and flags, trimmed. */
  args: string;
  heredocs: Heredoc[];
  location: SourceLocation;
  original: string;
  escape: EscapeChar;
}

/** A DockerfileError blaming `raw`: "Dockerfile:3: COPY needs a destination". */
export function instructionError(raw: RawInstruction, problem: string, cause?: unknown): DockerfileError {
  const place = { file: raw.location.file, line: raw.location.startLine };
  return new DockerfileError(place, raw.keyword, problem, cause === undefined ? undefined : { cause });
}

/** The fields every instruction carries. */
export function common(raw: RawInstruction): { location: SourceLocation; original: string } {
  return { location: raw.location, original: raw.original };
}
