import type { Argv } from 'yargs';
import { changeLine, containerChanges } from '../containers/container-layer.ts';
import { ContainerStore } from '../containers/container-store.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'diff <container>';
export const describe = "List the files a container added (A), changed (C) or deleted (D) against its image";

export function builder(cli: Argv<GlobalOptions>) {
  return cli.positional('container', { type: 'string', demandOption: true, describe: 'name, id or id prefix' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const changes = await withSnapshotter(args, async (context) => containerChanges(context, new ContainerStore(context.root.metadata).resolve(args.container)));
  print(changes.map((change) => `${changeLine(change)}\n`).join(''));
}
