import type { CommandForm } from './instructions.ts';
import { instructionError, type RawInstruction } from './raw-instruction.ts';

/**
 * The words of a JSON array form (`["a", "b"]`), or undefined when `text` is not valid JSON: Docker
 * then takes the text as shell form. A valid JSON array holding anything but strings is an error.
 */
export function jsonArray(raw: RawInstruction, text: string): string[] | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (!Array.isArray(value)) return undefined;
  const words: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw instructionError(raw, 'has a JSON array with something other than strings; write every item in double quotes');
    words.push(item);
  }
  return words;
}

/** RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD: exec form when the text is a JSON array of strings, shell form otherwise. */
export function commandForm(raw: RawInstruction, text: string): CommandForm {
  const args = jsonArray(raw, text);
  return args === undefined ? { form: 'shell', command: text } : { form: 'exec', args };
}
