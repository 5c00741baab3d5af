import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, wrapNodeError } from '@layerctl/sys';

/** Runs a tool (mkfs, fsfreeze) to its end; a failure names the command and what it printed. */
export function runTool(tool: string, args: string[]): void {
  const run = spawnSync(tool, args, { encoding: 'utf8' });
  if (run.error !== undefined) throw wrapNodeError(run.error, tool);
  if (run.status !== 0) throw new FailedPreconditionError(`devmapper: ${tool} ${args.join(' ')}: ${run.stderr.trim() || `exit status ${run.status}`}`);
}

export function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => dir !== '' && fs.existsSync(path.join(dir, name)));
}
