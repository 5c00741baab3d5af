/** What main() needs to know about argv before it loads yargs. */
export interface ArgvScan {
  /** The first word that is not an option: the command's name, if any. */
  readonly command: string | undefined;
  readonly debug: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

/** Global options that take a value in the next word unless written `--opt=value`. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--root', '--driver', '--progress', '--storage-opt']);

/**
 * Finds the command's name and the global switches without a parser, so that `--version` and the
 * choice of which command module to load cost nothing. Everything after `--` is an operand.
 */
export function scanArgv(argv: readonly string[]): ArgvScan {
  let command: string | undefined;
  let debug = false;
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '--debug') debug = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--version') version = true;
    else if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-') && command === undefined) command = arg;
  }
  return { command, debug, help, version };
}
