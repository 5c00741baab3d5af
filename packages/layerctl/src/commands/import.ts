import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { inputName, inputStream } from '../input-stream.ts';
import { print } from '../output/print.ts';
import { unpackRecorded } from '../unpack-recorded.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'import <tar> <name>';
export const describe = 'Make a one-layer image from a rootfs tarball (- reads stdin)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('tar', { type: 'string', demandOption: true, describe: 'rootfs tar, plain or gzip/zstd compressed; - for stdin' })
    .positional('name', { type: 'string', demandOption: true, describe: 'the image name[:tag]' })
    .option('compression', { choices: ['zstd', 'gzip', 'none'] as const, default: 'zstd' as const, describe: 'how the layer is stored' });
}

/**
 * Records the image, then unpacks its layer into a committed snapshot named by its ChainID (the
 * layer store's order: an unpack that fails leaves a recorded image, never an unnamed layer).
 * Prints the new image's id, as docker import does.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const source = await inputStream(args.tar);
  const image = await withSnapshotter(args, async (context) => {
    const imported = await context.api.importRootfs(context.root, source, args.name, { compression: args.compression, sourceName: inputName(args.tar) });
    await unpackRecorded(context, imported.id, args.name);
    return imported;
  });
  print(`${image.id}\n`);
}
