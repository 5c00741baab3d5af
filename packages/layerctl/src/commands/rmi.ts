import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { checkImageUnused } from '../containers/image-in-use.ts';
import { print } from '../output/print.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'rmi <image...>';
export const describe = 'Remove images (a name goes first; the image goes with its last name)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('image', { type: 'string', array: true, demandOption: true, describe: 'name[:tag], id or id prefix' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'remove an image by id even when it has several names' });
}

/**
 * Removes the images in order, printing docker's Untagged:/Deleted: lines; stops at the first
 * failure. After each image that goes, the layer snapshots no image uses any more go too, and
 * are printed as Deleted: lines of their ChainIDs, as docker prints the layers it deletes.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withSnapshotter(args, async ({ root, snapshotter, api }) => {
    for (const ref of args.image) {
      await checkImageUnused(root, api, ref);
      const { untagged, deleted } = await api.removeImage(root, ref, { force: args.force });
      const released = deleted.length === 0 ? [] : (await api.releaseImageLayers(root, snapshotter)).removed;
      const lines = [...untagged.map((name) => `Untagged: ${api.familiarName(name)}`), ...[...deleted, ...released].map((digest) => `Deleted: ${digest}`)];
      print(lines.map((line) => `${line}\n`).join(''));
    }
  });
}
