import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { humanSize } from '../output/human-size.ts';
import { print, printJson } from '../output/print.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'gc';
export const describe = 'Remove layer snapshots and blobs that no image uses, and driver layers that no snapshot names';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' });
}

/**
 * Top down: layer snapshots no image reaches (and the leftovers of dead unpacks), then driver
 * layers no snapshot names (what a crash leaves), then blobs no image references. The snapshot
 * line is printed only when there was something to remove there.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const report = await withSnapshotter(args, async ({ root, snapshotter, api }) => {
    const released = await api.releaseImageLayers(root, snapshotter);
    const orphans = await api.collectSnapshotGarbage(root, snapshotter.driver);
    const blobs = await api.collectGarbage(root);
    return { ...blobs, removedSnapshots: released.removed, removedLayers: orphans.removedLayers };
  });
  if (args.json) return printJson(report);
  print(`removed ${report.removedBlobs} blobs, freed ${humanSize(report.freedBytes)}\n`);
  if (report.removedSnapshots.length + report.removedLayers.length > 0) {
    print(`removed ${report.removedSnapshots.length} layer snapshots no image uses and ${report.removedLayers.length} driver layers no snapshot names\n`);
  }
}
