import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'view <key> <parent>';
export const describe = 'Make a read-only view KEY of the committed snapshot PARENT';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('key', { type: 'string', demandOption: true, describe: 'the new view' })
    .positional('parent', { type: 'string', demandOption: true, describe: 'the committed snapshot it shows' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withSnapshotter(args, ({ snapshotter }) => snapshotter.view(args.key, args.parent));
}
