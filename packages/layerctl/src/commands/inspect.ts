import type { Argv } from 'yargs';
import { NotFoundError } from '@layerctl/sys';
import type { GlobalOptions } from '../global-options.ts';
import { inspectContainer } from '../output/inspect-container.ts';
import { inspectDocument } from '../output/inspect-document.ts';
import { printJson } from '../output/print.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'inspect <image...>';
export const describe = 'Show images (or containers) in detail, as a JSON array like docker inspect';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('image', { type: 'string', array: true, demandOption: true, describe: 'name[:tag], id or id prefix' })
    .option('json', { type: 'boolean', default: true, describe: 'print a JSON array (the only form inspect has; accepted as every listing accepts it)' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const documents = await withRoot(args, (root, snapshotter) =>
    Promise.all(args.image.map(async (ref) => {
      try {
        return inspectDocument(await snapshotter.inspectImage(root, ref));
      } catch (err) {
        // Not an image: a container by that name or id, as docker inspect finds either.
        if (!(err instanceof NotFoundError)) throw err;
        return inspectContainer(root, ref, err);
      }
    })),
  );
  printJson(documents);
}
