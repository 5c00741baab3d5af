import type { Argv } from 'yargs';
import { parseSignal, signalContainer } from '../containers/container-signals.ts';
import { ContainerStore } from '../containers/container-store.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'kill <container...>';
export const describe = 'Send a signal (default SIGKILL) to running containers';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('container', { type: 'string', array: true, demandOption: true, describe: 'name, id or id prefix' })
    .option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'signal name (KILL, SIGTERM, HUP...) or number' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const signal = parseSignal(args.signal);
  await withRoot(args, async (root) => {
    const store = new ContainerStore(root.metadata);
    for (const ref of args.container) {
      await signalContainer(store.resolve(ref), signal);
      print(`${ref}\n`);
    }
  });
}
