import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';

/** Adds one command to the parser. */
export type RegisterCommand = (cli: Argv<GlobalOptions>) => Argv<GlobalOptions>;

/**
 * Loads a command module only when asked, and hands back how to register it. A command's module
 * is imported when its name is on the command line, or every one of them for --help.
 */
function lazy<Options>(load: () => Promise<CommandModule<GlobalOptions, Options>>): () => Promise<RegisterCommand> {
  return async () => {
    const module = await load();
    return (cli) => cli.command(module);
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
  volume: lazy(() => import('./volume.ts')),
  diff: lazy(() => import('./diff.ts')),
  commit: lazy(() => import('./commit.ts')),
  export: lazy(() => import('./export.ts')),
  bench: lazy(() => import('./bench.ts')),
  daemon: lazy(() => import('./daemon.ts')),
} satisfies Record<string, () => Promise<RegisterCommand>>;

export type CommandName = keyof typeof commands;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}
