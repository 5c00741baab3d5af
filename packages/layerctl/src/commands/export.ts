import type { Argv } from 'yargs';
import { ContainerStore } from '../containers/container-store.ts';
import { exportContainer } from '../containers/export-container.ts';
import type { GlobalOptions } from '../global-options.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'export <container>';
export const describe = "Write a container's root filesystem as a tar (to stdout, or -o FILE)";

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('container', { type: 'string', demandOption: true, describe: 'name, id or id prefix' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withSnapshotter(args, async (context) => exportContainer(context, new ContainerStore(context.root.metadata).resolve(args.container), args.output));
}
