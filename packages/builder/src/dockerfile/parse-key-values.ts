import type { ArgInstruction, EnvInstruction, KeyValue, LabelInstruction } from './instructions.ts';
import { common, instructionError, type RawInstruction } from './raw-instruction.ts';
import { parseFlags } from './flags.ts';
import { splitFirstWord, splitQuotedWords } from './split-words.ts';

/**
 * ENV and LABEL: `name=value ...` pairs, or the legacy `name value` form when the first word has
 * no `=` (the value is then the whole rest of the line). Keys and values keep their quotes and
 * escape characters: expandWord removes them when the step runs, as Docker does.
 */
function keyValues(raw: RawInstruction): KeyValue[] {
  parseFlags(raw, {});
  const words = splitQuotedWords(raw.args, raw.escape);
  const first = words[0];
  if (first === undefined) throw instructionError(raw, 'needs at least one name=value pair');
  if (!first.includes('=')) {
    const [key, value] = splitFirstWord(raw.args);
    if (value === '') throw instructionError(raw, `needs a value for ${key} (write ${key}=value)`);
    return [{ key, value }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq === -1) throw instructionError(raw, `has ${JSON.stringify(word)} without =; write each pair as name=value`);
    if (eq === 0) throw instructionError(raw, `has a pair with an empty name: ${JSON.stringify(word)}`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

export function parseEnv(raw: RawInstruction): EnvInstruction {
  return { kind: 'ENV', ...common(raw), pairs: keyValues(raw) };
}

export function parseLabel(raw: RawInstruction): LabelInstruction {
  return { kind: 'LABEL', ...common(raw), pairs: keyValues(raw) };
}

/** `ARG name`, `ARG name=default`, several on one line; defaults keep their quotes until expanded. */
export function parseArg(raw: RawInstruction): ArgInstruction {
  parseFlags(raw, {});
  const words = splitQuotedWords(raw.args, raw.escape);
  if (words.length === 0) throw instructionError(raw, 'needs a name (ARG name or ARG name=default)');
  const args = words.map((word) => {
    const eq = word.indexOf('=');
    const name = eq === -1 ? word : word.slice(0, eq);
    if (name === '') throw instructionError(raw, `has an empty name in ${JSON.stringify(word)}`);
    return eq === -1 ? { name } : { name, defaultValue: word.slice(eq + 1) };
  });
  return { kind: 'ARG', ...common(raw), args };
}
