import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import { print, printJson } from '../../output/print.ts';
import { snapshotDocument } from '../../output/snapshot-document.ts';
import { snapshotStatText } from '../../output/snapshot-stat-text.ts';
import { withSnapshotter } from '../../with-snapshotter.ts';
import type { CommandArgs } from '../command-args.ts';

export const command = 'stat <key>';
export const describe = 'Show a snapshot: its parent, kind, labels and times';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('key', { type: 'string', demandOption: true, describe: 'a key or name' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON object' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const info = await withSnapshotter(args, ({ snapshotter }) => snapshotter.stat(args.key));
  if (args.json) printJson(snapshotDocument(info));
  else print(snapshotStatText(info));
}
