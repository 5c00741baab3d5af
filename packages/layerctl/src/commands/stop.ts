import type { Argv } from 'yargs';
import { parseSignal, settleExit, stopContainer } from '../containers/container-signals.ts';
import { ContainerStore } from '../containers/container-store.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'stop <container...>';
export const describe = "Stop running containers: the image's STOPSIGNAL (SIGTERM by default), then SIGKILL after -t seconds";

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('container', { type: 'string', array: true, demandOption: true, describe: 'name, id or id prefix' })
    .option('time', { alias: 't', type: 'number', default: 10, describe: 'seconds to wait before SIGKILL' });
}

/** Stops each container and waits until its exit is recorded; a container already stopped is left as it is (docker does the same). */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withRoot(args, async (root) => {
    const store = new ContainerStore(root.metadata);
    for (const ref of args.container) {
      const record = store.resolve(ref);
      if (record.state === 'running' || record.state === 'paused') {
        await stopContainer(record, args.time, parseSignal(record.config.stopSignal));
        await settleExit(root.metadata, record);
      }
      print(`${ref}\n`);
    }
  });
}
