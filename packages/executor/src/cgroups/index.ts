/** The cgroups part of the executor: detect the host's layout, then create, join, limit, freeze, kill, remove. */
export type { Cgroup, CgroupStats, FreezerState } from './cgroup.ts';
export { CgroupHost } from './cgroup-host.ts';
export type { CgroupVersion, CgroupV2Mount, CgroupHostInit } from './cgroup-host.ts';
export { detectCgroups, parseCgroupMounts } from './detect-cgroups.ts';
export { createCgroup, openCgroup } from './create-cgroup.ts';
export { primeCgroupMove } from './prime-cgroup-move.ts';
export { cpuWeightFromShares, ioWeightFromBlkio, cpuMax } from './v2-settings.ts';
