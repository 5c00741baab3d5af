/**
 * The part of the OCI runtime specification (v1.2, config.json) that layerctl writes and its
 * executor reads. Field names and shapes are the spec's own, so that the same bundle runs under
 * crun and runc; fields layerctl never sets are left out rather than typed loosely.
 */

export const OCI_RUNTIME_SPEC_VERSION = '1.2.0';

export interface Spec {
  ociVersion: string;
  process: Process;
  /** root.path is absolute or relative to the bundle directory. */
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  linux: Linux;
  annotations?: Record<string, string>;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

/** Capability names as the spec spells them: 'CAP_CHOWN', ... */
export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** type is 'RLIMIT_NOFILE' and the like. */
export interface Rlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

/** A namespace with a path is joined (setns); without one it is created. Absent: the host's. */
export interface Namespace {
  type: NamespaceType;
  path?: string;
}

export interface Linux {
  namespaces: Namespace[];
  /** Relative paths are placed under each hierarchy's root; layerctl uses 'layerctl/<id>'. */
  cgroupsPath?: string;
  resources?: Resources;
  devices?: Device[];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: Seccomp;
  sysctl?: Record<string, string>;
  rootfsPropagation?: string;
}

export interface Device {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface Resources {
  devices?: DeviceRule[];
  /** Bytes; swap is memory plus swap, as in the spec (and v1's memsw); -1 is unlimited. */
  memory?: { limit?: number; swap?: number; reservation?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
  /** cgroup v2 files written as they are (the spec's `unified`). */
  unified?: Record<string, string>;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** 'SCMP_ARCH_X86_64' and the like. */
  architectures?: string[];
  syscalls?: SeccompSyscall[];
}
