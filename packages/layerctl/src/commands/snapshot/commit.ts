import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'commit <name> <key>';
export const describe = 'Commit the active snapshot KEY as NAME (KEY is gone afterwards)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('name', { type: 'string', demandOption: true, describe: 'the committed snapshot to make' })
    .positional('key', { type: 'string', demandOption: true, describe: 'the active snapshot to commit' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withSnapshotter(args, ({ snapshotter }) => snapshotter.commit(args.name, args.key));
}
