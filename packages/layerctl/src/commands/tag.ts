import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'tag <source> <target>';
export const describe = 'Give an image another name';

export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('source', { type: 'string', demandOption: true, describe: 'name[:tag], id or id prefix' })
    .positional('target', { type: 'string', demandOption: true, describe: 'the new name[:tag]' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await withRoot(args, (root, snapshotter) => snapshotter.tagImage(root, args.source, args.target));
}
