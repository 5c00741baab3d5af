import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import type { CommandArgs } from '../command-args.ts';
import { unmountTarget } from './mount-target.ts';

export const command = 'unmount <target>';
export const describe = 'Take off everything snapshot mount put on TARGET';

export function builder(cli: Argv<GlobalOptions>) {
  return cli.positional('target', { type: 'string', demandOption: true, describe: 'a directory a snapshot is mounted on' });
}

export async function handler(args: CommandArgs<typeof builder>): Promise<void> {
  await unmountTarget(args.target);
}
