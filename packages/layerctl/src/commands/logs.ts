import type { Argv } from 'yargs';
import { followLog } from '../containers/container-log.ts';
import { ContainerStore } from '../containers/container-store.ts';
import type { GlobalOptions } from '../global-options.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'logs <container>';
export const describe = 'Print the output a container kept (all but --rm and foreground -t ones; -f: follow it until it exits)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('container', { type: 'string', demandOption: true, describe: 'name, id or id prefix' })
    .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'keep printing new output until the container exits' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withRoot(args, async (root) => {
    const store = new ContainerStore(root.metadata);
    const record = store.resolve(args.container);
    await followLog(root.dir, record, process.stdout, args.follow ? () => store.resolve(record.id) : undefined);
  });
}
