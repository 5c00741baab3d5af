import path from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '@layerctl/sys';

/** Where layerctl keeps its state unless --root says otherwise (DESIGN.md, "On disk"). */
export const DEFAULT_ROOT = '/var/lib/layerctl';

export const DRIVERS = ['overlay2', 'aufs', 'devmapper'] as const;
export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json'] as const;

/** The options every command accepts, before or after its name. */
export interface GlobalOptions {
  root: string;
  driver: (typeof DRIVERS)[number] | undefined;
  progress: (typeof PROGRESS_MODES)[number];
  debug: boolean;
  /** --storage-opt KEY=VALUE items, as given (driver-options.ts reads them); handlers see it as storageOpt. */
  'storage-opt': string[];
}

/** Declares the global options on the top-level parser. */
export function globalOptions(cli: Argv): Argv<GlobalOptions> {
  return cli
    .option('root', {
      type: 'string',
      default: DEFAULT_ROOT,
      describe: 'state directory',
      global: true,
      requiresArg: true,
      coerce: rootDir,
    })
    .option('driver', {
      choices: DRIVERS,
      describe: 'storage driver (default: the first that works on this host)',
      global: true,
      requiresArg: true,
    })
    .option('storage-opt', {
      type: 'string',
      array: true,
      nargs: 1,
      default: [] as string[],
      describe: 'a storage driver option KEY=VALUE, repeatable (overlay2.mount_api, devmapper.pool_dir, ...); a root keeps the options it was made with',
      global: true,
    })
    .option('progress', {
      choices: PROGRESS_MODES,
      default: 'auto' as const,
      describe: 'progress display',
      global: true,
      requiresArg: true,
    })
    .option('debug', {
      type: 'boolean',
      default: false,
      describe: 'print the cause chain with stack traces when a command fails',
      global: true,
    });
}

/** --root as an absolute path; an empty value would silently mean the current directory. */
function rootDir(dir: string): string {
  if (dir === '') throw new UsageError('--root needs a directory');
  return path.resolve(dir);
}
