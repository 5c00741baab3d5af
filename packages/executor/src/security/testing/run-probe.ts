import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LayerctlError } from '@layerctl/sys';
import type { ProbeReport, Scenario } from './security-probe.ts';

const PROBE = fileURLToPath(new URL('./security-probe.ts', import.meta.url));

/** Runs security-probe.ts in a child process (never in the test worker) and returns its report. */
export function runProbe(scenario: Scenario): ProbeReport {
  const child = spawnSync(process.execPath, [PROBE, JSON.stringify(scenario)], {
    cwd: scenario.scratch,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (child.status !== 0) {
    throw new LayerctlError(`security-probe exited with ${child.status ?? child.signal}: ${child.stderr}`);
  }
  return JSON.parse(child.stdout);
}
