import type { Dockerfile, Heredoc, Instruction, SourceLocation, Stage } from './instructions.ts';
import type { EscapeChar } from './expand.ts';
import type { RawInstruction } from './raw-instruction.ts';
import { DockerfileError, type DockerfilePlace } from './dockerfile-error.ts';
import { parserDirectives } from './parser-directives.ts';
import { heredocMarkers, type HeredocMarker } from './heredoc-marker.ts';
import { HEREDOC_KEYWORDS, parseInstruction } from './parse-instruction.ts';
import { jsonArray } from './command-form.ts';
import { extractFlags, splitFirstWord } from './split-words.ts';

const UTF8_BOM = '\ufeff';

/** A line that is a comment once leading white space is dropped (Docker's reComment). */
function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

/** The lines of `text`, each with its newline (heredoc bodies keep them). */
function physicalLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Docker's trimNewline. */
function withoutNewline(line: string): string {
  return line.replace(/\r?\n$/, '');
}

/** Removes a trailing escape character (and the blanks after it): [text, whether the instruction ends here]. */
function trimContinuation(line: string, continuation: RegExp): [string, boolean] {
  return continuation.test(line) ? [line.replace(continuation, ''), false] : [line, true];
}

/**
 * Parses a Dockerfile with Docker's syntax into stages of instructions. `file` names the
 * Dockerfile in error messages ("Dockerfile:3: COPY needs at least one source and a destination").
 *
 * The rules, as BuildKit's parser has them:
 * - Parser directives (`# escape=`\``, `# syntax=`, `# check=`) come first; see parserDirectives.
 * - A line whose first non-blank character is `#` is a comment, also inside a continuation, where
 *   it is dropped without ending the instruction. Blank lines inside a continuation are dropped too.
 * - The escape character at the end of a line (blanks after it allowed) continues the instruction
 *   on the next line; the pieces are joined as they are.
 * - RUN, COPY and ADD in shell form (and ONBUILD of them) read a heredoc body after the line for each
 *   `<<NAME` marker, in order, up to a line that is exactly NAME (`<<-` also strips leading tabs).
 * - Instructions are case-insensitive; only ARG may come before the first FROM.
 * Variables are not expanded here (see expand.ts).
 */
export function parseDockerfile(text: string, file: string): Dockerfile {
  const lines = physicalLines(text.startsWith(UTF8_BOM) ? text.slice(UTF8_BOM.length) : text);
  const { escape } = parserDirectives(lines.map(withoutNewline), file);
  const reader = new LineReader(lines, file, escape);
  const dockerfile: Dockerfile = { file, escape, globalArgs: [], stages: [] };
  for (let raw = reader.nextInstruction(); raw !== undefined; raw = reader.nextInstruction()) {
    addInstruction(dockerfile, parseInstruction(raw));
  }
  if (dockerfile.stages.length === 0) {
    throw new DockerfileError({ file, line: Math.max(lines.length, 1) }, undefined, 'has no FROM instruction: a Dockerfile needs at least one stage');
  }
  return dockerfile;
}

/** Keywords an ONBUILD trigger may not hold (Docker refuses them when ONBUILD is written). */
const FORBIDDEN_TRIGGER_KEYWORDS = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);

/**
 * A base image's ONBUILD triggers (its config's OnBuild list) as the instructions they run, each
 * parsed on its own with Docker's syntax and the default escape character. The image is input
 * from outside: a trigger must hold exactly one instruction, and not FROM, ONBUILD or MAINTAINER.
 * Errors name `from`, the FROM line that brought the image in, and the trigger at fault.
 */
export function parseTriggers(triggers: readonly string[], from: DockerfilePlace): Instruction[] {
  return triggers.map((trigger) => {
    try {
      const reader = new LineReader(physicalLines(trigger), from.file, '\\', from.line - 1);
      const raw = reader.nextInstruction();
      if (raw === undefined) throw new DockerfileError(from, undefined, 'holds no instruction');
      if (FORBIDDEN_TRIGGER_KEYWORDS.has(raw.keyword)) throw new DockerfileError(from, raw.keyword, 'cannot be a trigger');
      const instruction = parseInstruction(raw);
      if (reader.nextInstruction() !== undefined) throw new DockerfileError(from, undefined, 'holds more than one instruction');
      return instruction;
    } catch (err) {
      if (!(err instanceof DockerfileError)) throw err;
      const what = err.instruction === undefined ? err.problem : `${err.instruction} ${err.problem}`;
      throw new DockerfileError(from, 'FROM', `brings an invalid ONBUILD trigger ${JSON.stringify(trigger)} from its base image: ${what}`, { cause: err });
    }
  });
}

function addInstruction(dockerfile: Dockerfile, instruction: Instruction): void {
  const place = { file: instruction.location.file, line: instruction.location.startLine };
  if (instruction.kind === 'FROM') {
    const stage: Stage = { index: dockerfile.stages.length, from: instruction, instructions: [] };
    if (instruction.stageName !== undefined) {
      const taken = dockerfile.stages.find((other) => other.name === instruction.stageName);
      if (taken !== undefined) {
        throw new DockerfileError(place, 'FROM', `names stage ${JSON.stringify(instruction.stageName)}, already the name of the stage on line ${taken.from.location.startLine}`);
      }
      stage.name = instruction.stageName;
    }
    dockerfile.stages.push(stage);
    return;
  }
  const stage = dockerfile.stages.at(-1);
  if (stage !== undefined) {
    stage.instructions.push(instruction);
  } else if (instruction.kind === 'ARG') {
    dockerfile.globalArgs.push(instruction);
  } else {
    throw new DockerfileError(place, instruction.kind, 'comes before the first FROM; only ARG may');
  }
}

/** Reads physical lines into raw instructions: continuations joined, comments dropped, heredoc bodies read. */
class LineReader {
  private readonly lines: readonly string[];
  private readonly file: string;
  private readonly escape: EscapeChar;
  private readonly continuation: RegExp;
  /** Index of the next line to read; line numbers are index + 1 + lineOffset. */
  private next = 0;
  private readonly lineOffset: number;

  constructor(lines: readonly string[], file: string, escape: EscapeChar, lineOffset = 0) {
    this.lines = lines;
    this.file = file;
    this.escape = escape;
    this.lineOffset = lineOffset;
    this.continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  }

  nextInstruction(): RawInstruction | undefined {
    for (;;) {
      const line = this.lines[this.next];
      if (line === undefined) return undefined;
      this.next++;
      const startLine = this.next + this.lineOffset;
      const first = withoutNewline(line).trimStart();
      const [text, ended] = trimContinuation(isComment(first) ? '' : first, this.continuation);
      if (ended && text === '') continue;
      const joined = ended ? text : text + this.continuationLines();
      return this.rawInstruction(joined, startLine);
    }
  }

  /** The rest of an instruction after a line that ended with the escape character. */
  private continuationLines(): string {
    let joined = '';
    for (let line = this.lines[this.next]; line !== undefined; line = this.lines[this.next]) {
      this.next++;
      const text = withoutNewline(line);
      if (isComment(text) || text.trim() === '') continue;
      const [piece, ended] = trimContinuation(text, this.continuation);
      joined += piece;
      if (ended) break;
    }
    return joined;
  }

  private rawInstruction(line: string, startLine: number): RawInstruction {
    const [word, rest] = splitFirstWord(line);
    const keyword = word.toUpperCase();
    const { flags, rest: args } = extractFlags(rest);
    const location: SourceLocation = { file: this.file, startLine, endLine: this.next + this.lineOffset };
    const raw: RawInstruction = { keyword, flags, args: args.trim(), heredocs: [], location, original: line.trim(), escape: this.escape };
    if (this.mayHaveHeredocs(raw)) {
      raw.heredocs = heredocMarkers(line).map((marker) => this.heredocBody(marker, raw));
      location.endLine = this.next + this.lineOffset;
    }
    return raw;
  }

  /** Shell-form RUN, COPY and ADD, and ONBUILD with one of them as its trigger. */
  private mayHaveHeredocs(raw: RawInstruction): boolean {
    let { keyword, args } = raw;
    if (keyword === 'ONBUILD') {
      const [trigger, rest] = splitFirstWord(args);
      keyword = trigger.toUpperCase();
      args = extractFlags(rest).rest;
    }
    return HEREDOC_KEYWORDS.has(keyword) && args.includes('<<') && jsonArray(raw, args) === undefined;
  }

  private heredocBody(marker: HeredocMarker, raw: RawInstruction): Heredoc {
    let content = '';
    for (let line = this.lines[this.next]; line !== undefined; line = this.lines[this.next]) {
      this.next++;
      const body = marker.stripTabs ? line.replace(/^\t+/, '') : line;
      if (withoutNewline(body) === marker.name) return { ...marker, content };
      content += body;
    }
    const place = { file: this.file, line: raw.location.startLine };
    throw new DockerfileError(place, raw.keyword, `has a heredoc <<${marker.name} with no closing ${marker.name} line before the end of the file`);
  }
}
