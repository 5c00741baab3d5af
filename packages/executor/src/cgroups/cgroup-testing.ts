import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { FailedPreconditionError } from '@layerctl/sys';
import type { ExecutionContext } from 'ava';
import type { Cgroup } from './cgroup.ts';
import { writeCgroupFile } from './cgroup-files.ts';
import type { CgroupHost } from './cgroup-host.ts';
import { openCgroup } from './create-cgroup.ts';

/**
 * Test helpers (test code only). Every test makes its cgroups below its own
 * `layerctl-test-<random>` parent, which teardown empties (SIGKILL) and removes in every
 * hierarchy, pass or fail; nothing else on the host is touched.
 */
export function testCgroupParent(t: ExecutionContext, host: CgroupHost): string {
  const parent = `layerctl-test-${crypto.randomBytes(6).toString('hex')}`;
  t.teardown(() => {
    const cgroup = openCgroup(parent, host);
    if (cgroup === undefined) return;
    cgroup.killAll();
    cgroup.remove();
  });
  return parent;
}

export interface JoinedProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited: its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Lets the script run past its first `read`: call after joining. */
  go(): void;
}

/**
 * Starts `sh -c 'read go; <script>'`, moves it into `cgroup` through procsFiles() (as the
 * container's init joins), and returns it waiting: the script's own work starts only at go(),
 * so everything it allocates and forks is charged to the cgroup. Killed at teardown.
 */
export function spawnJoined(t: ExecutionContext, cgroup: Cgroup, script: string): JoinedProcess {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(() => ({ code: child.exitCode, signal: child.signalCode }));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const pid = child.pid;
  if (pid === undefined) throw new FailedPreconditionError('spawn /bin/sh gave no pid');
  for (const file of cgroup.procsFiles()) writeCgroupFile(file, String(pid));
  return { child, exited, go: () => child.stdin.write('go\n') };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls without blocking the event loop (a child's output must keep flowing); false on timeout. */
export async function until(done: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await delay(10);
  }
  return true;
}

/**
 * The freezer check both versions share: a process printing as fast as it can prints nothing
 * while frozen and goes on once thawed. `whileFrozen` runs its own checks of the frozen state.
 */
export async function checkFreezeStopsCounter(t: ExecutionContext, cgroup: Cgroup, whileFrozen: () => void): Promise<void> {
  const proc = spawnJoined(t, cgroup, 'while :; do echo x; done');
  let bytes = 0;
  proc.child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  proc.go();
  t.true(await until(() => bytes > 0), 'the counter never started');
  cgroup.freeze();
  t.is(cgroup.state(), 'frozen');
  whileFrozen();
  // Output already in the pipe may still arrive just after the freeze.
  await delay(50);
  const frozenAt = bytes;
  await delay(300);
  t.is(bytes, frozenAt, 'the counter went on while frozen');
  cgroup.thaw();
  t.is(cgroup.state(), 'thawed');
  t.true(await until(() => bytes > frozenAt), 'the counter did not go on after thaw');
}

/**
 * Which of `paths` a process in `cgroup` can open for reading: a shell in the cgroup tries each
 * and prints what happened.
 */
export async function readableIn(t: ExecutionContext, cgroup: Cgroup, paths: readonly string[]): Promise<Record<string, boolean>> {
  const tries = paths.map((p) => `if (: < '${p}'); then echo '${p} 1'; else echo '${p} 0'; fi`).join('; ');
  const proc = spawnJoined(t, cgroup, tries);
  let out = '';
  proc.child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  // The refusals ("cannot open ...: Operation not permitted") are expected; stderr is drained unread.
  proc.child.stderr.resume();
  const closed = once(proc.child, 'close');
  proc.go();
  // 'exit' can come before the last output; 'close' comes after both.
  await closed;
  return Object.fromEntries(out.trim().split('\n').map((line) => [line.slice(0, line.lastIndexOf(' ')), line.endsWith(' 1')]));
}
