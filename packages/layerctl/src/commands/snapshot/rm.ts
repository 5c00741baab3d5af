import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { SnapshotMounts } from '../../snapshot-mounts.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'rm <key...>';
export const describe = 'Remove snapshots (one with children cannot be removed)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.positional('key', { type: 'string', array: true, demandOption: true, describe: 'keys or names, removed in order' });
}

/** Removes the snapshots in order; stops at the first failure, or at one still mounted by snapshot mount. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withSnapshotter(args, async ({ root, snapshotter, api }) => {
    const mounted = new SnapshotMounts(root, api);
    for (const key of args.key) {
      mounted.checkNotMounted(key);
      await snapshotter.remove(key);
    }
  });
}
