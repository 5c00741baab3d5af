import type { Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';
import { print, printJson } from '../output/print.ts';
import { table } from '../output/table.ts';
import { withRoot } from '../with-root.ts';
import type { CommandArgs } from './command-args.ts';

export const command = 'network';
export const describe = 'Create, list and remove bridge networks for containers (run --network NAME)';

function createBuilder(cli: Argv<GlobalOptions>) {
  return cli
    .positional('name', { type: 'string', demandOption: true, describe: 'the network name' })
    .option('subnet', { type: 'string', describe: 'IPv4 subnet a.b.c.d/N (default: a free /24 of 10.64.0.0/10)' });
}

const create = {
  command: 'create <name>',
  describe: 'Create a bridge network; its containers reach each other by container name',
  builder: createBuilder,
  handler: async (args: CommandArgs<typeof createBuilder>) => {
    const { parseSubnet } = await import('@layerctl/executor');
    const { checkNetworkName } = await import('../networks/network-mode.ts');
    const { createNetwork } = await import('../networks/create-network.ts');
    const name = checkNetworkName(args.name);
    const subnet = args.subnet === undefined ? undefined : parseSubnet(args.subnet, '--subnet');
    const network = await withRoot(args, (root) => root.metadata.write((db) => createNetwork(db, root.dir, name, subnet)));
    print(`${network.name}\n`);
  },
};

function lsBuilder(cli: Argv<GlobalOptions>) {
  return cli.option('json', { type: 'boolean', default: false, describe: 'print a JSON array' });
}

const ls = {
  command: 'ls',
  describe: 'List networks: NAME, SUBNET, GATEWAY, BRIDGE, CONTAINERS',
  builder: lsBuilder,
  handler: async (args: CommandArgs<typeof lsBuilder>) => {
    const { networkDocuments } = await import('../networks/network-documents.ts');
    const documents = await withRoot(args, (root) => networkDocuments(root));
    if (args.json) return printJson(documents);
    print(table(['NAME', 'SUBNET', 'GATEWAY', 'BRIDGE', 'CONTAINERS'], documents.map((doc) => [doc.name, doc.subnet, doc.gateway, doc.bridge, String(doc.containers.length)])));
  },
};

function rmBuilder(cli: Argv<GlobalOptions>) {
  return cli.positional('name', { type: 'string', array: true, demandOption: true, describe: 'network names' });
}

const rm = {
  command: 'rm <name..>',
  describe: 'Remove networks no container uses',
  builder: rmBuilder,
  handler: async (args: CommandArgs<typeof rmBuilder>) => {
    const { removeNetwork } = await import('../networks/remove-network.ts');
    await withRoot(args, (root) => {
      for (const name of args.name) {
        removeNetwork(root, String(name));
        print(`${name}\n`);
      }
    });
  },
};

export function builder(cli: Argv<GlobalOptions>) {
  return cli.command(create).command(ls).command(rm).demandCommand(1, 'network needs a subcommand: create, ls or rm');
}

/** yargs runs a subcommand's handler; this one only runs when none was named, which demandCommand refuses first. */
export function handler(): void {}
