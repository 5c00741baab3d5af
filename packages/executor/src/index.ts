export {};
export {
  DEFAULT_CAPABILITIES, CAPABILITY_NAMES, capabilityNumber, capabilityMask, capabilityNames, formatCapabilityMask,
} from './security/capabilities.ts';
export { parseUserSpec, resolveUser, type UserSpec, type ResolvedUser } from './security/resolve-user.ts';
export { parsePasswd, parseGroup, type PasswdEntry, type GroupEntry } from './security/passwd.ts';
export { dockerDefaultRlimits, applyRlimits, DOCKER_NOFILE_LIMIT } from './security/rlimits.ts';
export { applyProcessSecurity } from './security/apply-process-security.ts';
export { loadSeccomp, seccompActionValue } from './security/load-seccomp.ts';
export { dockerDefaultSeccomp, type SeccompHost } from './security/docker-default-seccomp.ts';
export { DOCKER_SECCOMP_PROFILE, type Profile, type ProfileRule, type ProfileCondition } from './security/docker-seccomp-profile.ts';
export * from './cgroups/index.ts';
export { startContainer, defaultCgroupsPath, type StartOptions, type StdioTarget, type ContainerProcess } from './process/start-container.ts';
export { runContainer, type RunOptions } from './process/run-container.ts';
export type { ExitStatus } from './process/exit-status.ts';
export { ContainerStartError } from './process/container-start-error.ts';
export { containerSpec, type ContainerSpecOptions } from './spec/container-spec.ts';
export { readImageUser } from './spec/read-image-user.ts';
export { writeBundle, CONFIG_JSON } from './spec/write-bundle.ts';
export { readSpec, parseSpec } from './spec/read-spec.ts';
export { DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, dockerDefaultMounts, dockerDefaultDeviceRules } from './spec/docker-defaults.ts';
export { DEFAULT_DEVICES } from './spec/default-devices.ts';
export type * from './spec/runtime-spec.ts';
export { OCI_RUNTIME_SPEC_VERSION } from './spec/runtime-spec.ts';
export { attachTerminal, closeTerminal, type TerminalAttachment, type TerminalIo } from './terminal/attach-terminal.ts';
export type { ContainerTerminal } from './terminal/container-terminal.ts';
export { compileSeccomp } from './security/load-seccomp.ts';
export { seccompProgram } from './security/seccomp-program.ts';
export * from './network/index.ts';
