import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { print, printJson } from '../output/print.ts';
import { infoText } from '../output/info-text.ts';
import { parseStorageOpts } from '../driver-options.ts';
import { rootInfo } from '../root-info.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'info';
export const describe = 'Show the storage driver and its status, the root, and what the store holds';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print a JSON object' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  const requestedOptions = parseStorageOpts(args.storageOpt);
  const info = await withRoot(args, (root, api) => rootInfo(root, api, args.driver, requestedOptions));
  if (args.json) printJson(info);
  else print(infoText(info));
}
