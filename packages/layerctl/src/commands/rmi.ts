import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { print } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'rmi <image...>';
export const describe = 'Remove images (a name goes first; the image goes with its last name)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('image', { type: 'string', array: true, demandOption: true, describe: 'name[:tag], id or id prefix' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'remove an image by id even when it has several names' });
}

/** Removes the images in order, printing docker's Untagged:/Deleted: lines; stops at the first failure. */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withRoot(args.root, async (root, snapshotter) => {
    for (const ref of args.image) {
      const { untagged, deleted } = await snapshotter.removeImage(root, ref, { force: args.force });
      print([...untagged.map((name) => `Untagged: ${snapshotter.familiarName(name)}\n`), ...deleted.map((digest) => `Deleted: ${digest}\n`)].join(''));
    }
  });
}
