import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { collectContainerGarbage } from '../containers/container-garbage.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { collectNetworkGarbage } from '../networks/network-garbage.ts';
import { humanSize } from '../output/human-size.ts';
import { print, printJson } from '../output/print.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'gc';
export const describe = 'Remove what no container, image or snapshot uses: leftovers of containers, layer snapshots, driver layers, blobs';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' });
}

/**
 * Top down: layer snapshots no image reaches (and the leftovers of dead unpacks), then driver
 * layers no snapshot names (what a crash leaves), then blobs no image references. The snapshot
 * line is printed only when there was something to remove there. Build cache entries go when
 * the layer they name is no longer stored, and the file sums remembered for a build context
 * when that context directory is gone.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const report = await withSnapshotter(args, async (context) => {
    const { root, snapshotter, api } = context;
    const containers = await collectContainerGarbage(context);
    const networks = collectNetworkGarbage(root, new Set(new ContainerStore(root.metadata).list().map((record) => record.id)));
    const released = await api.releaseImageLayers(root, snapshotter);
    const orphans = await api.collectSnapshotGarbage(root, snapshotter.driver);
    const blobs = await api.collectGarbage(root);
    // Last, so that the cache entries of layers whose blobs just went are dropped with them.
    const { pruneBuildCache, pruneContextSums } = await import('@layerctl/builder');
    const removedBuildCacheEntries = pruneBuildCache(root);
    const removedContextSums = pruneContextSums(root);
    return { ...blobs, removedSnapshots: released.removed, removedLayers: orphans.removedLayers, removedBuildCacheEntries, removedContextSums, containers, networks };
  });
  if (args.json) return printJson(report);
  const { containers } = report;
  if (containers.removedContainers.length + containers.removedSnapshots.length + containers.removedDirectories.length + containers.removedCgroups.length > 0) {
    print(
      `removed ${containers.removedContainers.length} exited --rm containers, and of containers that are gone ${containers.removedSnapshots.length} layers, ${containers.removedDirectories.length} directories, ${containers.removedCgroups.length} cgroups\n`,
    );
  }
  const { networks } = report;
  if (networks.removedEndpoints.length + networks.removedNetns.length + networks.removedInterfaces.length + networks.removedTables.length > 0) {
    print(`removed of containers that are gone ${networks.removedEndpoints.length} network endpoints, ${networks.removedNetns.length} netns files, ${networks.removedInterfaces.length} interfaces, ${networks.removedTables.length} nftables tables\n`);
  }
  print(`removed ${report.removedBlobs} blobs, freed ${humanSize(report.freedBytes)}\n`);
  if (report.removedSnapshots.length + report.removedLayers.length > 0) {
    print(`removed ${report.removedSnapshots.length} layer snapshots no image uses and ${report.removedLayers.length} driver layers no snapshot names\n`);
  }
  if (report.removedBuildCacheEntries > 0) print(`removed ${report.removedBuildCacheEntries} build cache entries whose layers are gone\n`);
  if (report.removedContextSums > 0) print(`removed the remembered file sums of ${report.removedContextSums} build contexts that are gone\n`);
}
