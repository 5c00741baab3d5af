import type { Argv } from 'yargs';
import { commitContainer } from '../containers/commit-container.ts';
import { ContainerStore } from '../containers/container-store.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'commit <container> <name>';
export const describe = "Make a new image from a container's changes (its rw layer on top of its image)";

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('container', { type: 'string', demandOption: true, describe: 'name, id or id prefix' })
    .positional('name', { type: 'string', demandOption: true, describe: 'the new image, name[:tag]' });
}

/** Prints the new image id, as docker commit does. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const id = await withSnapshotter(args, async (context) => commitContainer(context, new ContainerStore(context.root.metadata).resolve(args.container), args.name));
  print(`${id}\n`);
}
