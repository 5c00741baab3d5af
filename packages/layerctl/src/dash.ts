/** The operand that means stdin (or stdout, for an output), as in `layerctl import - NAME`. */
export const DASH = '-';

/**
 * What a lone `-` is handed to yargs as. yargs re-parses each positional as `--name value`, and
 * a value that starts with `-` is then taken for a flag: `import - x` would arrive with tar ''.
 * No one types this string, so mapping it back is exact.
 */
const DASH_STAND_IN = '\u0000-';

/** argv for yargs, with every lone `-` replaced by its stand-in. */
export function protectDashes(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === DASH ? DASH_STAND_IN : arg));
}

/** Whether a parsed value is the `-` the user typed. */
export function isDash(value: string): boolean {
  return value === DASH || value === DASH_STAND_IN;
}

/** yargs' own messages quote the argv it was given; this puts the user's `-` back. */
export function restoreDashes(text: string): string {
  return text.replaceAll(DASH_STAND_IN, DASH);
}
