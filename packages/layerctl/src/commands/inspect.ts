import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { inspectDocument } from '../output/inspect-document.ts';
import { printJson } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'inspect <image...>';
export const describe = 'Show images in detail, as a JSON array like docker inspect';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('image', { type: 'string', array: true, demandOption: true, describe: 'name[:tag], id or id prefix' })
    .option('json', { type: 'boolean', default: true, describe: 'print a JSON array (the only form inspect has; accepted as every listing accepts it)' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const images = await withRoot(args, (root, snapshotter) =>
    Promise.all(args.image.map((ref) => snapshotter.inspectImage(root, ref))),
  );
  printJson(images.map(inspectDocument));
}
