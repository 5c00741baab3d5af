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
