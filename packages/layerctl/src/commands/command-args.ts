import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { GlobalOptions } from '../global-options.ts';

/** What a command's handler receives: the global options plus what its builder declares. */
export type CommandArgs<Builder extends (cli: Argv<GlobalOptions>) => Argv<object>> =
  ReturnType<Builder> extends Argv<infer Options> ? ArgumentsCamelCase<Options> : never;
