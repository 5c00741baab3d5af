import type { Argv } from 'yargs';
import { UsageError } from '@layerctl/sys';
import { isDash } from '../dash.ts';
import type { GlobalOptions } from '../global-options.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'save <image...>';
export const describe = 'Write images to an OCI or Docker archive (stdout when it is not a terminal)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('image', { type: 'string', array: true, demandOption: true, describe: 'name[:tag], id or id prefix' })
    .option('output', { alias: 'o', type: 'string', describe: 'the archive to write; - for stdout' })
    .option('format', { choices: ['oci', 'docker'] as const, default: 'oci' as const, describe: 'archive layout' })
    .option('compression', {
      choices: ['zstd', 'gzip', 'none'] as const,
      describe: 'layer compression in the archive (default: oci keeps each layer as stored, docker writes plain layer.tar)',
    });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const toStdout = args.output === undefined || isDash(args.output);
  if (toStdout && process.stdout.isTTY) {
    throw new UsageError('refusing to write an archive to a terminal; name a file with -o or redirect stdout');
  }
  const output = toStdout || args.output === undefined ? process.stdout : args.output;
  await withRoot(args, (root, snapshotter) =>
    snapshotter.saveImages(root, args.image, output, { format: args.format, compression: args.compression }),
  );
}
