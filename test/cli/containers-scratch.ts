import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { openCgroup } from '@layerctl/executor';
import { errorCode } from '@layerctl/sys';
import { records, parseJson } from './json-output.ts';
import type { RunOptions } from './run-layerctl.ts';
import { must, snapshotScratch } from './snapshot-scratch.ts';

/** How long teardown waits for the monitors of detached containers to finish after rm -f. */
const MONITOR_EXIT_MS = 15_000;

/**
 * A scratch root with busybox imported as `busybox`, and `run` that puts each container's
 * cgroup below this test's own `layerctl-test-<random>` parent. When the test ends, pass or
 * fail: every container is removed with rm -f, the monitors of detached ones are waited for,
 * the cgroup parent is emptied and removed, and (snapshotScratch) mounts come off and the
 * directory goes.
 */
export async function containersScratch(t: ExecutionContext, busyboxTar: string) {
  const scratch = snapshotScratch(t);
  const { layerctl, root } = scratch;
  const cgroupParent = `layerctl-test-${crypto.randomBytes(6).toString('hex')}`;
  t.teardown(async () => {
    const listed = await layerctl(['ps', '-a', '--json']);
    if (listed.code === 0) for (const container of records(parseJson(listed.stdout))) await layerctl(['rm', '-f', String(container['id'])]);
    await waitForMonitors(root);
    const cgroup = openCgroup(cgroupParent);
    if (cgroup !== undefined) {
      cgroup.killAll('SIGKILL');
      cgroup.remove();
    }
  });
  await must(t, layerctl, ['import', busyboxTar, 'busybox']);
  return {
    ...scratch,
    cgroupParent,
    run: (args: readonly string[], options?: RunOptions) => layerctl(['run', '--cgroup-parent', cgroupParent, ...args], options),
  };
}

/** Pids of processes whose command line names `root` (the monitors of its detached containers). */
export function processesUsing(root: string): number[] {
  return processesWhose((args) => args.includes(root));
}

/** Pids of the processes (but this one) whose command line, split into its arguments, passes `match`. */
export function processesWhose(match: (args: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(path.join('/proc', entry, 'cmdline'), 'utf8');
    } catch (err) {
      // The process ended between readdir and read.
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ESRCH') continue;
      throw err;
    }
    if (match(cmdline.split('\0'))) pids.push(Number(entry));
  }
  return pids;
}

async function waitForMonitors(root: string): Promise<void> {
  const deadline = Date.now() + MONITOR_EXIT_MS;
  while (processesUsing(root).length > 0 && Date.now() < deadline) await sleep(50);
  for (const pid of processesUsing(root)) process.kill(pid, 'SIGKILL');
}

/** Polls `check` until it is true or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}
