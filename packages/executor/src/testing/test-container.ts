import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import { FailedPreconditionError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { openCgroup } from '../cgroups/create-cgroup.ts';
import { type ContainerSpecOptions, containerSpec } from '../spec/container-spec.ts';
import type { Spec } from '../spec/runtime-spec.ts';
import { writeBundle } from '../spec/write-bundle.ts';
import type { ExitStatus } from '../process/exit-status.ts';
import { startContainer } from '../process/start-container.ts';
import { makeBusyboxRootfs } from './busybox-rootfs.ts';

export interface TestBundle {
  dir: string;
  bundle: string;
  rootfs: string;
  id: string;
}

/**
 * A bundle for one test: a busybox rootfs and config.json in a tmpfs scratch dir, with the spec
 * from containerSpec (changed by `edit`). When the test ends it checks the host's mount table is
 * as it was, so a container that leaked a mount fails the test that ran it.
 */
export function testBundle(t: ExecutionContext, options: Partial<ContainerSpecOptions> = {}, edit?: (spec: Spec) => void): TestBundle {
  const dir = scratchDir(t);
  const before = containerLikeMounts(dir);
  t.teardown(() => {
    const leaked = containerLikeMounts(dir).filter((m) => !before.includes(m));
    if (leaked.length > 0) throw new FailedPreconditionError(`mounts leaked into the host: ${leaked.join(', ')}`);
  });
  const rootfs = makeBusyboxRootfs(path.join(dir, 'rootfs'));
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(bundle);
  const id = `test-${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '')}`;
  const cgroupsPath = `layerctl-test-${id}`;
  // A test that failed half-way may leave its container running: kill it and remove its cgroup.
  t.teardown(() => {
    const cgroup = openCgroup(cgroupsPath);
    if (cgroup === undefined) return;
    if (cgroup.pids().length > 0) cgroup.killAll('SIGKILL');
    cgroup.remove();
  });
  const spec = containerSpec({
    rootfs,
    args: ['/bin/true'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: 'layerctl-test',
    terminal: false,
    network: 'none',
    mounts: [],
    cgroupsPath,
    ...options,
  });
  edit?.(spec);
  writeBundle(bundle, spec);
  return { dir, bundle, rootfs, id };
}

// Other tests mount things at the same time; a container's leak would be under its own scratch
// dir or be one of the filesystems only a container mounts (a proc, sysfs, devpts or mqueue).
const CONTAINER_FILESYSTEMS = new Set(['proc', 'sysfs', 'devpts', 'mqueue']);

function containerLikeMounts(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({ target: line.split(' ')[4] ?? '', type: line.split(' - ')[1]?.split(' ')[0] ?? '' }))
    .filter((m) => m.target.startsWith(`${dir}/`) || CONTAINER_FILESYSTEMS.has(m.type))
    .map((m) => `${m.target} (${m.type})`);
}

export interface CapturedRun {
  status: ExitStatus;
  stdout: string;
  stderr: string;
}

/** Runs a test bundle's container with stdout and stderr piped, and returns both with its status. */
export async function runCaptured(bundle: TestBundle, stdin?: string): Promise<CapturedRun> {
  const container = await startContainer({ id: bundle.id, bundle: bundle.bundle, stdin: stdin === undefined ? 'ignore' : 'pipe', stdout: 'pipe', stderr: 'pipe' });
  const stdout = collect(container.stdout);
  const stderr = collect(container.stderr);
  container.stdin?.end(stdin);
  const status = await container.wait();
  return { status, stdout: await stdout, stderr: await stderr };
}

async function collect(stream: Readable | undefined): Promise<string> {
  let text = '';
  for await (const chunk of stream ?? []) text += String(chunk);
  return text;
}
