import type { Argv } from 'yargs';
import { ContainerStore } from '../containers/container-store.ts';
import { isLive } from '../containers/container-signals.ts';
import type { GlobalOptions } from '../global-options.ts';
import { containerDocument, containersTable } from '../output/containers-table.ts';
import { print, printJson } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'ps';
export const describe = 'List running containers (-a: all of them)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'also list created and exited containers' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON array' });
}

/** Lists containers newest first; one whose process died unseen is shown (and recorded) as exited. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const records = await withRoot(args, (root) => new ContainerStore(root.metadata).list());
  const shown = args.all ? records : records.filter(isLive);
  if (args.json) printJson(shown.map(containerDocument));
  else print(containersTable(shown));
}
