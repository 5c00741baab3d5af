import type { Argv } from 'yargs';
import { ContainerStore } from '../containers/container-store.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'rm <container...>';
export const describe = 'Remove containers (their layers and directory; named volumes stay)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('container', { type: 'string', array: true, demandOption: true, describe: 'name, id or id prefix' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill a running container first' });
}

/** Removes each container in order, printing what was asked, as docker rm does; stops at the first failure. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const { removeContainer } = await import('../containers/remove-container.ts');
  await withSnapshotter(args, async (context) => {
    const store = new ContainerStore(context.root.metadata);
    for (const ref of args.container) {
      await removeContainer(context, store.resolve(ref), { force: args.force });
      print(`${ref}\n`);
    }
  });
}
