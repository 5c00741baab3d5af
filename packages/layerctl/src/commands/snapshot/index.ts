import type { Argv } from 'yargs';
import type { GlobalOptions } from '../../global-options.ts';
import * as commit from './commit.ts';
import * as ls from './ls.ts';
import * as mount from './mount.ts';
import * as mounts from './mounts.ts';
import * as prepare from './prepare.ts';
import * as rm from './rm.ts';
import * as stat from './stat.ts';
import * as unmount from './unmount.ts';
import * as usage from './usage.ts';
import * as view from './view.ts';

export const command = 'snapshot';
export const describe = 'Drive the snapshot store by hand, with containerd\'s semantics';

/** The subcommands in the order --help lists them. Each module is small; the store loads in its handler. */
export function builder(cli: Argv<GlobalOptions>) {
  return cli
    .command(prepare)
    .command(view)
    .command(commit)
    .command(rm)
    .command(stat)
    .command(ls)
    .command(usage)
    .command(mounts)
    .command(mount)
    .command(unmount)
    .demandCommand(1, 'snapshot needs a subcommand: prepare, view, commit, rm, stat, ls, usage, mounts, mount or unmount');
}

/** yargs runs a subcommand's handler; this one only runs when none was named, which demandCommand refuses first. */
export function handler(): void {}
