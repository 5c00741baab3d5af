import { InvalidArgumentError } from '@layerctl/sys';

/** Where in a Dockerfile a problem sits: the file as the user named it and a 1-based line. */
export interface DockerfilePlace {
  file: string;
  line: number;
}

/**
 * A Dockerfile the builder cannot accept. The message reads
 * "Dockerfile:3: COPY needs at least one source and a destination": the file, the line, the
 * instruction (when there is one) and what is wrong with it. Every phase that blames a line of the
 * Dockerfile (parse, expansion, planning, execution) raises this class.
 */
export class DockerfileError extends InvalidArgumentError {
  readonly file: string;
  readonly line: number;
  /** The instruction keyword in upper case, or undefined for a problem outside any instruction. */
  readonly instruction: string | undefined;
  /** What is wrong, the message without its place and keyword. */
  readonly problem: string;

  /** `problem` continues the sentence after the keyword: "needs a destination". */
  constructor(place: DockerfilePlace, instruction: string | undefined, problem: string, options?: { cause?: unknown }) {
    super(`${place.file}:${place.line}: ${instruction === undefined ? '' : `${instruction} `}${problem}`, options);
    this.file = place.file;
    this.line = place.line;
    this.instruction = instruction;
    this.problem = problem;
  }
}
