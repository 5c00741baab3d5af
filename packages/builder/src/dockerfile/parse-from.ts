import type { FromInstruction } from './instructions.ts';
import { common, instructionError, type RawInstruction } from './raw-instruction.ts';
import { parseFlags } from './flags.ts';
import { splitWhitespace } from './split-words.ts';

/** Docker's rule for stage names, checked after lower-casing: a letter, then letters, digits, `-`, `_`, `.`. */
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** `FROM [--platform=p] image [AS name]`; the stage name is lower-cased, as Docker compares them. */
export function parseFrom(raw: RawInstruction): FromInstruction {
  const flags = parseFlags(raw, { platform: 'string' });
  const words = splitWhitespace(raw.args);
  const [image, as, name] = words;
  if (image === undefined) throw instructionError(raw, 'needs an image (FROM image or FROM scratch)');
  const instruction: FromInstruction = { kind: 'FROM', ...common(raw), image };
  if (words.length === 3 && as?.toLowerCase() === 'as' && name !== undefined) {
    const stageName = name.toLowerCase();
    if (!STAGE_NAME.test(stageName)) {
      throw instructionError(raw, `has an invalid stage name ${JSON.stringify(name)}: it must start with a letter and hold only letters, digits, -, _ and .`);
    }
    instruction.stageName = stageName;
  } else if (words.length !== 1) {
    throw instructionError(raw, 'takes an image and an optional AS name (FROM image [AS name])');
  }
  const platform = flags.strings.get('platform');
  if (platform !== undefined) instruction.platform = platform;
  return instruction;
}
