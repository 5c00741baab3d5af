import type { EscapeChar } from './expand.ts';
import { DockerfileError } from './dockerfile-error.ts';

/** `# name=value` at the top of a Dockerfile (BuildKit's reDirective). */
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** The directives Docker knows; `syntax` and `check` are read and ignored (layerctl has one frontend, no linter). */
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

export interface ParserDirectives {
  escape: EscapeChar;
}

/**
 * Reads the parser directives at the top of `lines` (lines without their newline). They are
 * comments of the form `# name=value` before anything else: the first line that is not one (an
 * instruction, a blank line, a plain comment, an unknown directive) ends them, and later lines of
 * that form are ordinary comments. A directive given twice, or an escape other than \ or `, is an error.
 */
export function parserDirectives(lines: readonly string[], file: string): ParserDirectives {
  const directives: ParserDirectives = { escape: '\\' };
  const seen = new Set<string>();
  for (const [index, line] of lines.entries()) {
    const match = DIRECTIVE.exec(line.trimStart());
    const name = match?.[1]?.toLowerCase();
    const value = match?.[2] ?? '';
    if (name === undefined || !KNOWN_DIRECTIVES.has(name)) break;
    const place = { file, line: index + 1 };
    if (seen.has(name)) throw new DockerfileError(place, undefined, `the ${name} parser directive is given more than once`);
    seen.add(name);
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') throw new DockerfileError(place, undefined, `escape=${value}: the escape character must be \\ or \``);
      directives.escape = value;
    }
  }
  return directives;
}
