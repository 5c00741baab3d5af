import type { Argv } from 'yargs';
import { DASH } from '../dash.ts';
import type { GlobalOptions } from '../global-options.ts';
import { inputName, inputStream } from '../input-stream.ts';
import { print } from '../output/print.ts';
import { unpackRecorded } from '../unpack-recorded.ts';
import { withSnapshotter } from '../with-snapshotter.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'load';
export const describe = 'Load images from an OCI or Docker archive (stdin without -i)';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.option('input', { alias: 'i', type: 'string', default: DASH, describe: 'the archive to read; - for stdin' });
}

/** An image the archive did not name is loaded under its id, which is all there is to show. */
const UNNAMED = /^sha256:[0-9a-f]{64}$/;

/**
 * Records the images, then unpacks each one's layers into committed snapshots named by their
 * ChainIDs (layers the images share are unpacked once). Prints `Loaded image: NAME` (or
 * `Loaded image ID: ID`) for each image, as docker load does.
 */
export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const input = await inputStream(args.input);
  const { loaded } = await withSnapshotter(args, async (context) => {
    const result = await context.api.loadArchive(context.root, input, { what: inputName(args.input) });
    for (const ref of result.loaded) await unpackRecorded(context, ref);
    return result;
  });
  print(loaded.map((name) => (UNNAMED.test(name) ? `Loaded image ID: ${name}\n` : `Loaded image: ${name}\n`)).join(''));
}
