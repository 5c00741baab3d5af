import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayerctlError } from '@layerctl/sys';
import { INIT_CACHE, initBinary, staticBinary } from '../../init/init-binary.ts';
import { encodePlan, type InitOp, initOp } from '../../init/init-plan.ts';
import { type InitFailure, parseInitFailure } from '../../init/init-protocol.ts';
import type { Process, Seccomp } from '../../spec/runtime-spec.ts';
import { dockerDefaultSeccomp } from '../docker-default-seccomp.ts';
import { processSecurityPlan } from '../process-security-plan.ts';
import { seccompProgram } from '../seccomp-program.ts';

const PROBE_SOURCE = fileURLToPath(new URL('./security-probe.c', import.meta.url));

export interface Scenario {
  /** Given: the plan of processSecurityPlan(process, seccomp). */
  process?: Process;
  /** 'docker-default': dockerDefaultSeccomp(seccompCaps). Loaded by the security plan, or alone when process is absent. */
  seccomp?: 'docker-default' | Seccomp;
  seccompCaps?: string[];
  /** Given: the filter goes through seccompProgram's cache in this directory. */
  seccompCacheDir?: string;
  /** A directory of the test's own: the mount probe aims at a missing path under it. */
  scratch: string;
  /** A process of the test's own (root, full capabilities) for the ptrace probe. */
  ptraceTarget?: number;
}

export interface ProbeReport {
  /** The init's failure, when it did not get to exec the probe. */
  error?: InitFailure;
  /** The probe's own /proc/self/status fields (after the init exec'd it) and MaxOpenFiles ("soft hard"). */
  status?: Record<string, string>;
  /** Each probe call's errno name, or 'ok'. */
  probes?: Record<string, string>;
}

/**
 * Has the real container init (native/init) carry out the security part of a plan on itself,
 * without namespaces or mounts, and exec security-probe.c, which reports what it holds and
 * which calls are refused. Never in the test worker: these steps are irreversible.
 */
export function runProbe(scenario: Scenario): ProbeReport {
  const spec = scenario.seccomp === 'docker-default' ? dockerDefaultSeccomp(scenario.seccompCaps) : scenario.seccomp;
  const program = spec === undefined ? undefined : seccompProgram(spec, scenario.seccompCacheDir);
  const security: InitOp[] = scenario.process !== undefined
    ? processSecurityPlan(scenario.process, program)
    : program === undefined ? [] : [initOp('seccomp', program)];
  const probe = staticBinary([PROBE_SOURCE], 'security-probe', INIT_CACHE);
  const args = [probe, scenario.scratch, ...(scenario.ptraceTarget === undefined ? [] : [String(scenario.ptraceTarget)])];
  return runPlan(scenario.scratch, [...security, initOp('exec', args, [])]);
}

/** Runs the init on `ops` (handed over in a file under `scratch`), with stdout, stderr and the error line captured. */
export function runPlan(scratch: string, ops: readonly InitOp[]): ProbeReport {
  const planFile = path.join(scratch, `plan-${process.hrtime.bigint()}`);
  fs.writeFileSync(planFile, encodePlan(ops));
  const planFd = fs.openSync(planFile, 'r');
  try {
    const child = spawnSync(initBinary(), [], { stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe', planFd], encoding: 'utf8', timeout: 30_000, env: {} });
    const failure = child.output[4] ?? '';
    if (failure !== '') return { error: parseInitFailure(failure) };
    if (child.status !== 0) throw new LayerctlError(`security probe exited with ${child.status ?? child.signal}: ${child.stderr}`);
    return parseReport(child.stdout);
  } finally {
    fs.closeSync(planFd);
  }
}

function parseReport(text: string): ProbeReport {
  const status: Record<string, string> = {};
  const probes: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^(status|probe)\.(\w+)=(.*)$/.exec(line);
    if (match === null) continue;
    const [, kind, key = '', value = ''] = match;
    (kind === 'status' ? status : probes)[key] = value.trim();
  }
  return { status, probes };
}
