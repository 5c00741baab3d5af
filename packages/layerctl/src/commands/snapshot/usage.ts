import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { humanSize } from '../../output/human-size.ts';
import { print, printJson } from '../../output/print.ts';
import { table } from '../../output/table.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'usage <key>';
export const describe = 'Show the disk a snapshot uses on its own (not its parents): size and inodes';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('key', { type: 'string', demandOption: true, describe: 'a key or name' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON object (size in bytes)' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const usage = await withSnapshotter(args, ({ snapshotter }) => snapshotter.usage(args.key));
  if (args.json) printJson({ key: args.key, size: usage.size, inodes: usage.inodes });
  else print(table(['KEY', 'SIZE', 'INODES'], [[args.key, humanSize(usage.size), String(usage.inodes)]]));
}
