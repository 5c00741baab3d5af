import { UsageError } from '@layerctl/sys';
import type { ArgvScan } from './argv-scan.ts';
import { commandStatus } from './command-status.ts';
import { commands, isCommandName, type RegisterCommand } from './commands/index.ts';
import { protectDashes, restoreDashes } from './dash.ts';
import { globalOptions } from './global-options.ts';
import { reportError } from './report-error.ts';
import { suggestCommand } from './suggest-command.ts';
import { version } from './version.ts';

/** The exit status for bad usage (DESIGN.md, "Command line"). */
const EXIT_USAGE = 2;

/**
 * Parses argv with yargs and runs the command; returns the exit status. Only the named command's
 * module is loaded; all of them are loaded to list them (--help, or no command at all). An
 * unknown name fails before anything loads, with the nearest command suggested.
 */
export async function runCommandLine(argv: readonly string[], scan: ArgvScan): Promise<number> {
  try {
    return await parse(argv, scan);
  } catch (error) {
    return reportError(error, { debug: scan.debug, stderr: process.stderr });
  }
}

async function parse(argv: readonly string[], { command, help }: ArgvScan): Promise<number> {
  if (command !== undefined && !isCommandName(command)) {
    throw new UsageError(`unknown command "${command}"${suggestCommand(command, Object.keys(commands))}`);
  }
  const loaders = command === undefined ? Object.values(commands) : [commands[command]];
  const cli = await buildParser(argv, await Promise.all(loaders.map((load) => load())));
  if (command === undefined && !help) {
    process.stderr.write(`${await cli.getHelp()}\n`);
    return EXIT_USAGE;
  }
  await cli.parseAsync();
  return commandStatus();
}

async function buildParser(argv: readonly string[], registrars: readonly RegisterCommand[]) {
  const { default: yargs } = await import('yargs');
  let cli = globalOptions(
    yargs(protectDashes(argv))
      .scriptName('layerctl')
      .usage('$0 [global options] <command> [options]')
      .version(version)
      .help()
      .alias('help', 'h')
      .strict()
      .showHelpOnFail(false)
      .exitProcess(false)
      .wrap(null)
      .fail(failure),
  );
  for (const register of registrars) cli = register(cli);
  skipHelpCache(cli);
  return cli;
}

/**
 * yargs renders a command's whole help text after running its handler and keeps it, in case a
 * later failure shows it: 15-30 ms of every command here, for a text that showHelpOnFail(false)
 * never shows. The cache lives on yargs' internal usage object, reached defensively: were that
 * to change, commands only pay the rendering again.
 */
function skipHelpCache(cli: object): void {
  const usage = callMethod(callMethod(cli, 'getInternalMethods'), 'getUsageInstance');
  if (typeof usage === 'object' && usage !== null && typeof Reflect.get(usage, 'cacheHelpMessage') === 'function') {
    Reflect.set(usage, 'cacheHelpMessage', () => undefined);
  }
}

function callMethod(target: unknown, name: string): unknown {
  if (typeof target !== 'object' || target === null) return undefined;
  const method: unknown = Reflect.get(target, name);
  return typeof method === 'function' ? Reflect.apply(method, target, []) : undefined;
}

/** yargs calls this for its own usage errors (with a message) and for a handler's errors (without). */
function failure(message: string | null | undefined, error: Error | undefined): never {
  if (typeof message === 'string') throw new UsageError(restoreDashes(message), { cause: error });
  throw error;
}
