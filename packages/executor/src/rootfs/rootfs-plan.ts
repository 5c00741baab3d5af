import path from 'node:path';
import { InvalidArgumentError, MS_BIND, MS_PRIVATE, MS_REC } from '@layerctl/sys';
import { type InitOp, initOp } from '../init/init-plan.ts';
import type { Spec } from '../spec/runtime-spec.ts';
import { bindConsolePlan, createDevicesPlan } from './create-devices.ts';
import { mountCgroupsPlan } from './mount-cgroups.ts';
import { mountInRootPlan } from './mount-in-root.ts';
import { parseMountOptions } from './mount-options.ts';
import { maskPathsPlan, readonlyPathsPlan, readonlyRootPlan } from './protect-paths.ts';
import { writeSysctlsPlan } from './write-sysctls.ts';

/** Docker's umask for the container's process when the spec names none. */
const DEFAULT_UMASK = 0o022;

/**
 * The plan that builds the container's filesystem view in the init's (new, private) mount
 * namespace and makes it `/`. Until pivot_root every destination is resolved inside the rootfs;
 * after it, there is nothing else to resolve against.
 */
export function rootfsPlan(spec: Spec, bundle: string, procsFiles: readonly string[]): InitOp[] {
  const rootfs = path.resolve(bundle, spec.root.path);
  const ops = [
    // Nothing mounted here may propagate to the host's mount table, and pivot_root needs it too.
    initOp('mount', '', '/', '', MS_REC | MS_PRIVATE, ''),
    // pivot_root needs the new root to be a mount point.
    initOp('mount', rootfs, rootfs, '', MS_BIND | MS_REC, ''),
    initOp('open_root', rootfs),
    // Device nodes and tmpfs modes are made exactly as the spec says.
    initOp('umask', 0),
  ];
  for (const entry of spec.mounts) ops.push(...(entry.type === 'cgroup' ? [...cgroupsMade(procsFiles), ...mountCgroupsPlan(entry, procsFiles)] : mountInRootPlan(entry, bundle)));
  if (spec.mounts.some((m) => path.posix.normalize(m.destination) === '/dev')) ops.push(...createDevicesPlan(spec.linux.devices ?? []));
  if (spec.process.terminal === true) ops.push(...bindConsolePlan());
  // pivot_root(".", ".") and a detached unmount of the old root: never chroot, which leaves it
  // mounted under the process. pivot_root fails only when the new root is not a mount point or
  // sits under a shared mount, and the two mounts above make sure of neither.
  ops.push(initOp('pivot_root'), initOp('umask', spec.process.user.umask ?? DEFAULT_UMASK));
  if (spec.linux.rootfsPropagation !== undefined) ops.push(rootPropagation(spec.linux.rootfsPropagation));
  ops.push(...writeSysctlsPlan(spec.linux.sysctl ?? {}));
  if (spec.root.readonly === true) ops.push(...readonlyRootPlan());
  ops.push(...maskPathsPlan(spec.linux.maskedPaths ?? []), ...readonlyPathsPlan(spec.linux.readonlyPaths ?? []));
  return ops;
}

/**
 * The parent makes the container's cgroup directories while the init does the steps before these
 * (its namespaces, the first mounts), and says go once they exist; the go before exec follows.
 */
function cgroupsMade(procsFiles: readonly string[]): InitOp[] {
  return procsFiles.length === 0 ? [] : [initOp('wait_go')];
}

/** The spec's rootfsPropagation ('rslave', 'rshared'...) on the new root, once it is `/`. */
function rootPropagation(value: string): InitOp {
  const { propagation } = parseMountOptions([value], undefined);
  if (propagation === 0) throw new InvalidArgumentError(`rootfsPropagation ${JSON.stringify(value)} is not a propagation mode`);
  return initOp('mount', '', '/', '', propagation, '');
}
