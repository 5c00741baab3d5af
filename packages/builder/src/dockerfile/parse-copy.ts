import type { CopyInstruction, Heredoc } from './instructions.ts';
import { common, instructionError, type RawInstruction } from './raw-instruction.ts';
import { parseFlags, type FlagSpec } from './flags.ts';
import { jsonArray } from './command-form.ts';
import { heredocMarker } from './heredoc-marker.ts';
import { splitWhitespace } from './split-words.ts';

const NOT_YET = 'layerctl does not implement it yet';

const COPY_FLAGS: FlagSpec = {
  from: 'string',
  chown: 'string',
  chmod: 'string',
  link: 'bool',
  parents: { unsupported: NOT_YET },
  exclude: { unsupported: NOT_YET },
};

const ADD_FLAGS: FlagSpec = {
  chown: 'string',
  chmod: 'string',
  link: 'bool',
  checksum: { unsupported: 'it only serves URL sources, and layerctl fetches nothing' },
  'keep-git-dir': { unsupported: 'layerctl fetches nothing, so there is no git source' },
  exclude: { unsupported: NOT_YET },
  unpack: { unsupported: NOT_YET },
};

/**
 * COPY and ADD: `[flags] src... dest` or the JSON form `["src", ..., "dest"]`. Words that are
 * heredoc markers (`<<EOF`) become inline files named after their delimiter; every other word
 * but the last is a source path as written (wildcards and variables intact).
 */
export function parseCopy(raw: RawInstruction): CopyInstruction {
  const kind = raw.keyword === 'ADD' ? 'ADD' : 'COPY';
  const flags = parseFlags(raw, kind === 'ADD' ? ADD_FLAGS : COPY_FLAGS);
  const json = jsonArray(raw, raw.args);
  const words = json ?? splitWhitespace(raw.args);
  const destination = words.at(-1);
  if (words.length < 2 || destination === undefined) throw instructionError(raw, 'needs at least one source and a destination');
  if (json === undefined && heredocMarker(destination) !== undefined) {
    throw instructionError(raw, `cannot take a heredoc (${destination}) as its destination; name the destination last`);
  }
  const sources: string[] = [];
  const heredocs: Heredoc[] = [];
  for (const word of words.slice(0, -1)) {
    const marker = json === undefined ? heredocMarker(word) : undefined;
    const heredoc = marker === undefined ? undefined : raw.heredocs.find((doc) => doc.name === marker.name);
    if (heredoc === undefined) sources.push(word);
    else heredocs.push(heredoc);
  }
  const instruction: CopyInstruction = { kind, ...common(raw), sources, destination, heredocs };
  const from = flags.strings.get('from');
  if (from !== undefined) instruction.from = from;
  const chown = flags.strings.get('chown');
  if (chown !== undefined) instruction.chown = chown;
  const chmod = flags.strings.get('chmod');
  if (chmod !== undefined) instruction.chmod = chmod;
  if (flags.bools.has('link')) instruction.link = true;
  return instruction;
}
