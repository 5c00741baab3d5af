import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { historyTable } from '../output/history-table.ts';
import { print, printJson } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'history <image>';
export const describe = 'Show the steps that made an image, newest first';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('image', { type: 'string', demandOption: true, describe: 'name[:tag], id or id prefix' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON array' })
    .option('trunc', { type: 'boolean', default: true, describe: 'shorten CREATED BY (--no-trunc shows it whole)' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  // The id alone is needed beside the steps: resolving the name gives it without reading the image twice.
  const { id, steps } = await withRoot(args, async (root, snapshotter) => ({
    id: new snapshotter.ImageStore(root.metadata).resolve(args.image).id,
    steps: await snapshotter.imageHistory(root, args.image),
  }));
  if (args.json) printJson(steps);
  else print(historyTable(id, steps, { truncate: args.trunc }));
}
