import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { humanSize } from '../output/human-size.ts';
import { print, printJson } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'gc';
export const describe = 'Remove blobs that no image references';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const report = await withRoot(args.root, (root, snapshotter) => snapshotter.collectGarbage(root));
  if (args.json) printJson(report);
  else print(`removed ${report.removedBlobs} blobs, freed ${humanSize(report.freedBytes)}\n`);
}
