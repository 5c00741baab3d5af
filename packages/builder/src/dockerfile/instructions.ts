/**
 * A parsed Dockerfile: stages of instructions with their words as written. Variables are not
 * expanded here: Docker expands them while it walks the stage, with the ARG and ENV values in
 * scope at that step (dockerfile/expand.ts does the expansion; the builder calls it).
 */

export interface SourceLocation {
  /** The Dockerfile's path as the user named it. */
  file: string;
  /** 1-based; startLine..endLine spans line continuations and heredoc bodies. */
  startLine: number;
  endLine: number;
}

/** `RUN ["a", "b"]` is exec form; `RUN a b` is shell form, run through SHELL. */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

export interface Heredoc {
  /** The word after `<<` (without quotes or `-`). */
  name: string;
  content: string;
  /** False when the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** `<<-` strips leading tabs from the body. */
  stripTabs: boolean;
}

export interface KeyValue {
  key: string;
  value: string;
}

interface Common {
  location: SourceLocation;
  /** The instruction as written, continuations joined: shown in progress lines and history. */
  original: string;
}

export interface FromInstruction extends Common {
  kind: 'FROM';
  image: string;
  stageName?: string;
  platform?: string;
}
export interface ArgInstruction extends Common {
  kind: 'ARG';
  args: { name: string; defaultValue?: string }[];
}
export interface EnvInstruction extends Common {
  kind: 'ENV';
  pairs: KeyValue[];
}
export interface LabelInstruction extends Common {
  kind: 'LABEL';
  pairs: KeyValue[];
}
export interface WorkdirInstruction extends Common {
  kind: 'WORKDIR';
  path: string;
}
export interface UserInstruction extends Common {
  kind: 'USER';
  user: string;
}
export interface RunInstruction extends Common {
  kind: 'RUN';
  command: CommandForm;
  heredocs: Heredoc[];
  /** `RUN --network=none|host|default`. */
  network?: string;
}
export interface CopyInstruction extends Common {
  kind: 'COPY' | 'ADD';
  sources: string[];
  destination: string;
  /** `--from=stage|image` (COPY only). */
  from?: string;
  chown?: string;
  chmod?: string;
  /**
   * `--link`: BuildKit copies onto an empty layer so the layer can be rebased. The files the
   * image ends up with are the same either way; layerctl accepts the flag and copies as usual.
   */
  link?: boolean;
  /** Inline files: `COPY <<EOF /dest`. */
  heredocs: Heredoc[];
}
export interface CommandInstruction extends Common {
  kind: 'CMD' | 'ENTRYPOINT';
  command: CommandForm;
}
export interface ExposeInstruction extends Common {
  kind: 'EXPOSE';
  /** '80', '80/tcp', '53/udp', as written. */
  ports: string[];
}
export interface VolumeInstruction extends Common {
  kind: 'VOLUME';
  paths: string[];
}
export interface StopsignalInstruction extends Common {
  kind: 'STOPSIGNAL';
  signal: string;
}
export interface HealthcheckInstruction extends Common {
  kind: 'HEALTHCHECK';
  /** undefined for `HEALTHCHECK NONE`. */
  test?: CommandForm;
  /** Durations as written ('30s', '1m30s'); the builder converts them to nanoseconds. */
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  retries?: number;
}
export interface ShellInstruction extends Common {
  kind: 'SHELL';
  shell: string[];
}
export interface OnbuildInstruction extends Common {
  kind: 'ONBUILD';
  /** The trigger as written, recorded in the image config's OnBuild list. */
  trigger: string;
}

export type Instruction =
  | FromInstruction
  | ArgInstruction
  | EnvInstruction
  | LabelInstruction
  | WorkdirInstruction
  | UserInstruction
  | RunInstruction
  | CopyInstruction
  | CommandInstruction
  | ExposeInstruction
  | VolumeInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | ShellInstruction
  | OnbuildInstruction;

export interface Stage {
  /** Position among the file's stages, from 0. */
  index: number;
  /** `FROM ... AS name`, lower-cased as Docker compares stage names. */
  name?: string;
  from: FromInstruction;
  /** Every instruction after FROM, in order. */
  instructions: Instruction[];
}

export interface Dockerfile {
  file: string;
  /** From the `# escape=` directive; '\\' by default. */
  escape: '\\' | '`';
  /** ARG lines before the first FROM: visible to FROM lines and, when redeclared, to a stage. */
  globalArgs: ArgInstruction[];
  stages: Stage[];
}
