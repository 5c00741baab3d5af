import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { imagesTable } from '../output/images-table.ts';
import { print, printJson } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'images';
export const describe = 'List images';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print a JSON array' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const images = await withRoot(args, (root, snapshotter) => snapshotter.listImages(root));
  if (args.json) printJson(images);
  else print(imagesTable(images));
}
