import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';

/** Adds one command to the parser. */
export type RegisterCommand = (cli: Argv<GlobalOptions>) => Argv<GlobalOptions>;

/** A loaded command: how to add it to the parser, and its handler, run on what the parser made of the line. */
export interface LoadedCommand {
  register: RegisterCommand;
  run: (args: ArgumentsCamelCase<GlobalOptions>) => void | Promise<void>;
}

/** What a command's module exports (every builder of ours is a function). */
interface CommandFile<Options> {
  command: string;
  describe: string;
  builder: (cli: Argv<GlobalOptions>) => Argv<Options>;
  handler: (args: ArgumentsCamelCase<Options>) => void | Promise<void>;
}

/**
 * Loads a command module only when asked, and hands back how to register it. A command's module
 * is imported when its name is on the command line, or every one of them for --help.
 *
 * The command goes to yargs without its handler, which the caller runs after parsing: when yargs
 * runs a handler itself, it then renders and keeps the command's whole help text, in case of a
 * later failure (25-30 ms of every command's start here, for a text we never show).
 */
function lazy<Options>(load: () => Promise<CommandFile<Options>>): () => Promise<LoadedCommand> {
  return async () => {
    const module = await load();
    return {
      register: (cli) => cli.command(module.command, module.describe, module.builder),
      // yargs parsed these arguments with this module's builder, which is what Options describes.
      run: (args) => module.handler(args as unknown as ArgumentsCamelCase<Options>),
    };
  };
}

/** Every command, by the name typed on the command line, in the order --help lists them. */
export const commands = {
  images: lazy(() => import('./images.ts')),
  import: lazy(() => import('./import.ts')),
  inspect: lazy(() => import('./inspect.ts')),
  history: lazy(() => import('./history.ts')),
  tag: lazy(() => import('./tag.ts')),
  rmi: lazy(() => import('./rmi.ts')),
  save: lazy(() => import('./save.ts')),
  load: lazy(() => import('./load.ts')),
  gc: lazy(() => import('./gc.ts')),
  snapshot: lazy(() => import('./snapshot/index.ts')),
  info: lazy(() => import('./info.ts')),
  build: lazy(() => import('./build.ts')),
  run: lazy(() => import('./run.ts')),
  ps: lazy(() => import('./ps.ts')),
  logs: lazy(() => import('./logs.ts')),
  stop: lazy(() => import('./stop.ts')),
  kill: lazy(() => import('./kill.ts')),
  pause: lazy(() => import('./pause.ts')),
  unpause: lazy(() => import('./unpause.ts')),
  rm: lazy(() => import('./rm.ts')),
  network: lazy(() => import('./network.ts')),
  diff: lazy(() => import('./diff.ts')),
  commit: lazy(() => import('./commit.ts')),
  export: lazy(() => import('./export.ts')),
  bench: lazy(() => import('./bench.ts')),
} satisfies Record<string, () => Promise<LoadedCommand>>;

export type CommandName = keyof typeof commands;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}
