import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, MS_BIND, MS_PRIVATE, MS_REC, mount, O_DIRECTORY, O_PATH, wrapNodeError } from '@layerctl/sys';
import type { Spec } from '../spec/runtime-spec.ts';
import { bindConsole, createDevices } from './create-devices.ts';
import { mountCgroups } from './mount-cgroups.ts';
import { mountInRoot } from './mount-in-root.ts';
import { parseMountOptions } from './mount-options.ts';
import { pivotInto } from './pivot-into.ts';
import { maskPaths, readonlyPaths, readonlyRoot } from './protect-paths.ts';
import { writeSysctls } from './write-sysctls.ts';

/** Docker's umask for the container's process when the spec names none. */
const DEFAULT_UMASK = 0o022;

/**
 * Builds the container's filesystem view in the init's (new, private) mount namespace and makes
 * it `/`. Sync calls only: the namespace is the main thread's alone. Until pivot_root every
 * destination is resolved inside the rootfs; after it, there is nothing else to resolve against.
 */
export function setupRootfs(spec: Spec, bundle: string, procsFiles: readonly string[], beforePivot: () => void): void {
  // Nothing mounted here may propagate to the host's mount table, and pivot_root needs it too.
  mount('', '/', null, MS_REC | MS_PRIVATE);
  const rootfs = path.resolve(bundle, spec.root.path);
  mount(rootfs, rootfs, null, MS_BIND | MS_REC);
  const rootFd = openRoot(rootfs);
  // Device nodes and tmpfs modes are made exactly as the spec says.
  process.umask(0);
  try {
    for (const entry of spec.mounts) {
      if (entry.type === 'cgroup') mountCgroups(rootFd, entry, procsFiles);
      else mountInRoot(rootFd, entry, bundle);
    }
    if (spec.mounts.some((m) => path.posix.normalize(m.destination) === '/dev')) createDevices(rootFd, spec.linux.devices ?? []);
    if (spec.process.terminal === true) bindConsole(rootFd);
    beforePivot();
    pivotInto(rootFd);
  } finally {
    fs.closeSync(rootFd);
    process.umask(spec.process.user.umask ?? DEFAULT_UMASK);
  }
  if (spec.linux.rootfsPropagation !== undefined) setRootPropagation(spec.linux.rootfsPropagation);
  writeSysctls(spec.linux.sysctl ?? {});
  if (spec.root.readonly === true) readonlyRoot();
  maskPaths(spec.linux.maskedPaths ?? []);
  readonlyPaths(spec.linux.readonlyPaths ?? []);
}

/** The spec's rootfsPropagation ('rslave', 'rshared'...) on the new root, once it is `/`. */
function setRootPropagation(value: string): void {
  const { propagation } = parseMountOptions([value], undefined);
  if (propagation === 0) throw new InvalidArgumentError(`rootfsPropagation ${JSON.stringify(value)} is not a propagation mode`);
  mount('', '/', null, propagation);
}

function openRoot(rootfs: string): number {
  try {
    return fs.openSync(rootfs, O_PATH | O_DIRECTORY);
  } catch (error) {
    throw wrapNodeError(error, rootfs);
  }
}
