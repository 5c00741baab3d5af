import { nearestName } from '@layerctl/sys';
import type { CommandForm, Instruction } from './instructions.ts';
import { common, instructionError, type RawInstruction } from './raw-instruction.ts';
import { parseFlags } from './flags.ts';
import { commandForm, jsonArray } from './command-form.ts';
import { parseArg, parseEnv, parseLabel } from './parse-key-values.ts';
import { parseCopy } from './parse-copy.ts';
import { parseFrom } from './parse-from.ts';
import { parseHealthcheck } from './parse-healthcheck.ts';
import { extractFlags, splitFirstWord, splitWhitespace } from './split-words.ts';

/** `RUN --network=` values Docker accepts. */
const NETWORK_MODES = new Set(['default', 'none', 'host']);

/** Keywords a trigger may not use: Docker refuses to chain ONBUILD or to run FROM or MAINTAINER later. */
const FORBIDDEN_TRIGGERS = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);

type InstructionParser = (raw: RawInstruction) => Instruction;

/**
 * One parser per keyword. Each checks its flags and arguments and builds its AST node from the
 * words as written; none expands variables (that needs the ARG and ENV values of the step).
 */
const PARSERS: Record<string, InstructionParser> = {
  FROM: parseFrom,
  ARG: parseArg,
  ENV: parseEnv,
  LABEL: parseLabel,
  RUN: parseRun,
  COPY: parseCopy,
  ADD: parseCopy,
  CMD: parseCommand,
  ENTRYPOINT: parseCommand,
  WORKDIR: (raw) => ({ kind: 'WORKDIR', ...common(raw), path: wholeLine(raw, 'a path') }),
  USER: (raw) => ({ kind: 'USER', ...common(raw), user: wholeLine(raw, 'a user (USER name[:group])') }),
  STOPSIGNAL: (raw) => ({ kind: 'STOPSIGNAL', ...common(raw), signal: wholeLine(raw, 'a signal (STOPSIGNAL SIGTERM)') }),
  EXPOSE: parseExpose,
  VOLUME: parseVolume,
  HEALTHCHECK: parseHealthcheck,
  SHELL: parseShell,
  ONBUILD: parseOnbuild,
  MAINTAINER: (raw) => {
    throw instructionError(raw, 'is deprecated and not supported; write LABEL maintainer="..." instead');
  },
};

/** The keywords whose line may be followed by heredoc bodies (ONBUILD when its trigger is one of them). */
export const HEREDOC_KEYWORDS: ReadonlySet<string> = new Set(['RUN', 'COPY', 'ADD']);

export function isKnownKeyword(keyword: string): boolean {
  return Object.hasOwn(PARSERS, keyword);
}

/** Turns one raw instruction into its AST node, or throws a DockerfileError naming its line. */
export function parseInstruction(raw: RawInstruction): Instruction {
  const parser = isKnownKeyword(raw.keyword) ? PARSERS[raw.keyword] : undefined;
  if (parser === undefined) {
    const near = nearestKeyword(raw.keyword);
    throw instructionError(raw, `is not an instruction Docker knows${near === undefined ? '' : ` (did you mean ${near}?)`}`);
  }
  return parser(raw);
}

/** The keyword within two edits of `word` (BuildKit suggests one the same way), if any. */
function nearestKeyword(word: string): string | undefined {
  return nearestName(word, Object.keys(PARSERS), 2);
}

/** WORKDIR, USER, STOPSIGNAL: the whole rest of the line is one value. */
function wholeLine(raw: RawInstruction, what: string): string {
  parseFlags(raw, {});
  if (raw.args === '') throw instructionError(raw, `needs ${what}`);
  return raw.args;
}

function nonEmptyCommand(raw: RawInstruction): CommandForm {
  const command = commandForm(raw, raw.args);
  if (command.form === 'shell' && command.command === '') {
    throw instructionError(raw, raw.keyword === 'RUN' ? 'needs a command' : `needs a command (write ${raw.keyword} [] for none)`);
  }
  return command;
}

function parseRun(raw: RawInstruction): Instruction {
  const flags = parseFlags(raw, {
    network: 'string',
    mount: { unsupported: 'layerctl does not implement RUN mounts yet' },
    security: { unsupported: 'layerctl does not implement RUN --security' },
  });
  const network = flags.strings.get('network');
  if (network !== undefined && !NETWORK_MODES.has(network)) {
    throw instructionError(raw, `--network=${network}: expected one of ${[...NETWORK_MODES].join(', ')}`);
  }
  const command = nonEmptyCommand(raw);
  const heredocs = command.form === 'shell' ? raw.heredocs : [];
  return network === undefined ? { kind: 'RUN', ...common(raw), command, heredocs } : { kind: 'RUN', ...common(raw), command, heredocs, network };
}

function parseCommand(raw: RawInstruction): Instruction {
  parseFlags(raw, {});
  const kind = raw.keyword === 'CMD' ? 'CMD' : 'ENTRYPOINT';
  return { kind, ...common(raw), command: nonEmptyCommand(raw) };
}

function parseExpose(raw: RawInstruction): Instruction {
  parseFlags(raw, {});
  const ports = splitWhitespace(raw.args);
  if (ports.length === 0) throw instructionError(raw, 'needs at least one port (EXPOSE 80 or EXPOSE 53/udp)');
  return { kind: 'EXPOSE', ...common(raw), ports };
}

function parseVolume(raw: RawInstruction): Instruction {
  parseFlags(raw, {});
  const paths = jsonArray(raw, raw.args) ?? splitWhitespace(raw.args);
  if (paths.length === 0) throw instructionError(raw, 'needs at least one path');
  if (paths.some((path) => path.trim() === '')) throw instructionError(raw, 'has an empty path');
  return { kind: 'VOLUME', ...common(raw), paths };
}

function parseShell(raw: RawInstruction): Instruction {
  parseFlags(raw, {});
  const shell = jsonArray(raw, raw.args);
  if (shell === undefined) throw instructionError(raw, 'needs its arguments in JSON form: SHELL ["/bin/sh", "-c"]');
  if (shell.length === 0) throw instructionError(raw, 'needs at least the shell program');
  return { kind: 'SHELL', ...common(raw), shell };
}

/**
 * `ONBUILD INSTRUCTION ...`: the trigger is checked as an instruction now, so a bad trigger fails
 * the build that writes it rather than the one that fires it, and recorded as written (heredoc
 * bodies appended the way BuildKit records them).
 */
function parseOnbuild(raw: RawInstruction): Instruction {
  parseFlags(raw, {});
  const [word, rest] = splitFirstWord(raw.args);
  const keyword = word.toUpperCase();
  if (keyword === '') throw instructionError(raw, 'needs an instruction to run later (ONBUILD RUN ...)');
  if (FORBIDDEN_TRIGGERS.has(keyword)) throw instructionError(raw, `cannot take ${keyword} as its trigger`);
  const { flags, rest: args } = extractFlags(rest);
  parseInstruction({ ...raw, keyword, flags, args: args.trim() });
  const trigger = raw.args + raw.heredocs.map((doc) => `\n${doc.content}${doc.name}`).join('');
  return { kind: 'ONBUILD', ...common(raw), trigger };
}
