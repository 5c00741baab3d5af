import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { mountsText } from '../../output/mounts-text.ts';
import { print, printJson } from '../../output/print.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'mounts <key>';
export const describe = 'Show what mounting an active snapshot or view takes, without mounting it';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('key', { type: 'string', demandOption: true, describe: 'an active snapshot or a view' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON array of {type, source, options}' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const mounts = await withSnapshotter(args, ({ snapshotter }) => snapshotter.mounts(args.key));
  if (args.json) printJson(mounts);
  else print(mountsText(mounts));
}
