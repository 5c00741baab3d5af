import type { Argv } from 'yargs';
import { ContainerStore } from '../containers/container-store.ts';
import { setContainerPaused } from '../containers/pause-container.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

function builder(cli: Argv<GlobalOptions>) {
  return cli.positional('container', { type: 'string', array: true, demandOption: true, describe: 'name, id or id prefix' });
}

/** The builder and handler shared by pause (`paused` true) and unpause. */
export function pauseCommand(paused: boolean) {
  return {
    builder,
    async handler(args: CommandArgs<typeof builder>): Promise<void> {
      await withRoot(args, async (root) => {
        const store = new ContainerStore(root.metadata);
        for (const ref of args.container) {
          await setContainerPaused(root.metadata, store.resolve(ref), paused);
          print(`${ref}\n`);
        }
      });
    },
  };
}
