import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { SnapshotMounts } from '../../snapshot-mounts.ts';
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

/** Mounts the snapshot, recorded first so that snapshot rm refuses it while it is up. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const target = checkMountTarget(args.target);
  await withSnapshotter(args, ({ root, snapshotter, api }) => {
    const mounts = snapshotter.mounts(args.key);
    const recorded = new SnapshotMounts(root, api);
    const added = recorded.record(args.key, target);
    try {
      api.mountAll(mounts, target);
    } catch (err) {
      if (added) recorded.forget(args.key, target);
      throw err;
    }
  });
}
