import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import type { CommandArgs } from '../command-args.ts';
import { SnapshotMounts } from '../../snapshot-mounts.ts';
import { withRoot } from '../../with-root.ts';
import { unmountTarget } from './mount-target.ts';

export const command = 'unmount <target>';
export const describe = 'Take off everything snapshot mount put on TARGET';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.positional('target', { type: 'string', demandOption: true, describe: 'a directory a snapshot is mounted on' });
}

/** Unmounts TARGET, then forgets what snapshot mount recorded on it. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const target = await unmountTarget(args.target);
  await withRoot(args, (root, api) => new SnapshotMounts(root, api).forgetTarget(target));
}
