import type { Argv } from 'yargs';
import type { VolumeRecord } from '../containers/volume-records.ts';
import type { GlobalOptions } from '../global-options.ts';
import { print, printJson } from '../output/print.ts';
import { table } from '../output/table.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'volume';
export const describe = 'Create, list, inspect and remove named volumes (run -v NAME:/path)';

/** Docker's only volume driver, and the only one here: a directory under the root. */
const LOCAL_DRIVER = 'local';

/** What `docker volume inspect` prints for a volume, with the containers that use it. */
function volumeDocument(volume: VolumeRecord) {
  return {
    Name: volume.name,
    Driver: LOCAL_DRIVER,
    Mountpoint: volume.mountpoint,
    CreatedAt: new Date(volume.createdAt).toISOString(),
    Scope: 'local',
    UsedBy: volume.usedBy,
  };
}

function nameBuilder(cli: Argv<GlobalOptions>) {
  return cli.positional('name', { type: 'string', demandOption: true, describe: 'the volume name' });
}

const create = {
  command: 'create <name>',
  describe: 'Create a named volume (naming one that exists is no error)',
  builder: nameBuilder,
  handler: async (args: CommandArgs<typeof nameBuilder>) => {
    const { createVolume } = await import('../containers/volume-records.ts');
    print(`${await withRoot(args, (root) => createVolume(root, args.name).name)}\n`);
  },
};

function lsBuilder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print a JSON array' });
}

const ls = {
  command: 'ls',
  describe: 'List named volumes: DRIVER, VOLUME NAME',
  builder: lsBuilder,
  handler: async (args: CommandArgs<typeof lsBuilder>) => {
    const { listVolumes } = await import('../containers/volume-records.ts');
    const volumes = await withRoot(args, (root) => listVolumes(root));
    if (args.json) return printJson(volumes.map(volumeDocument));
    print(table(['DRIVER', 'VOLUME NAME'], volumes.map((volume) => [LOCAL_DRIVER, volume.name])));
  },
};

function namesBuilder(cli: Argv<GlobalOptions>) {
  return cli.positional('name', { type: 'string', array: true, demandOption: true, describe: 'volume names' });
}

const inspect = {
  command: 'inspect <name..>',
  describe: 'Print volumes as a JSON array, as docker volume inspect does',
  builder: namesBuilder,
  handler: async (args: CommandArgs<typeof namesBuilder>) => {
    const { findVolume } = await import('../containers/volume-records.ts');
    printJson(await withRoot(args, (root) => args.name.map((name) => volumeDocument(findVolume(root, String(name))))));
  },
};

const rm = {
  command: 'rm <name..>',
  describe: 'Remove volumes and their data; one a container uses (in any state) is refused',
  builder: namesBuilder,
  handler: async (args: CommandArgs<typeof namesBuilder>) => {
    const { removeVolume } = await import('../containers/volume-records.ts');
    await withRoot(args, (root) => {
      for (const name of args.name) {
        removeVolume(root, String(name));
        print(`${name}\n`);
      }
    });
  },
};

export function builder(cli: Argv<GlobalOptions>) {
  return cli.command(create).command(ls).command(inspect).command(rm).demandCommand(1, 'volume needs a subcommand: create, ls, inspect or rm');
}

/** yargs runs a subcommand's handler; this one only runs when none was named, which demandCommand refuses first. */
export function handler(): void {}
