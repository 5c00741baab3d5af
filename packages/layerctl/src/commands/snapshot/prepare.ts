import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'prepare <key> [parent]';
export const describe = 'Make an active (writable) snapshot KEY, empty or on the committed snapshot PARENT';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('key', { type: 'string', demandOption: true, describe: 'the new active snapshot' })
    .positional('parent', { type: 'string', describe: 'a committed snapshot to build on' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withSnapshotter(args, ({ snapshotter }) => snapshotter.prepare(args.key, args.parent));
}
