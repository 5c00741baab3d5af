import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';
import { checkMountTarget } from './mount-target.ts';

export const command = 'mount <key> <target>';
export const describe = 'Mount an active snapshot or a view on the directory TARGET (undo with snapshot unmount)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('key', { type: 'string', demandOption: true, describe: 'an active snapshot (writable) or a view (read-only)' })
    .positional('target', { type: 'string', demandOption: true, describe: 'an existing directory' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const target = checkMountTarget(args.target);
  await withSnapshotter(args, ({ snapshotter, api }) => api.mountAll(snapshotter.mounts(args.key), target));
}
