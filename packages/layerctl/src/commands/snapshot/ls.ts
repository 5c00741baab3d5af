import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { print, printJson } from '../../output/print.ts';
import { snapshotDocument } from '../../output/snapshot-document.ts';
import { snapshotsTable } from '../../output/snapshots-table.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'ls';
export const describe = 'List snapshots: KEY, PARENT, KIND';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .option('filter', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'containerd filter (name==x, parent==y, kind==committed, labels."k"==v; comma = and); repeat for or',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON array' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const snapshots = await withSnapshotter(args, ({ snapshotter }) => snapshotter.walk(...args.filter));
  if (args.json) printJson(snapshots.map(snapshotDocument));
  else print(snapshotsTable(snapshots));
}
