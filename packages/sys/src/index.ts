export * from './errors.ts';
export { check } from './check.ts';
export { wrapNodeError } from './wrap-node-error.ts';
export * from './mount-flags.ts';
export { mount, umount2 } from './mount.ts';
export * from './file-types.ts';
export { makedev, major, minor } from './device-number.ts';
export { mknod } from './mknod.ts';
export { lgetxattr, lsetxattr, llistxattr, lremovexattr, XATTR_CREATE, XATTR_REPLACE } from './xattr.ts';
export { cloneFile } from './clone-file.ts';
export { fsyncDir } from './fsync-dir.ts';
export { futimensNs, lutimesNs } from './utimes.ts';
export {
  fsopen, fsconfigSetString, fsconfigSetFlag, fsconfigCreate, fsmount, moveMount, closeFd, mountWithFsconfig,
  FSOPEN_CLOEXEC, FSCONFIG_SET_FLAG, FSCONFIG_SET_STRING, FSCONFIG_CMD_CREATE, FSMOUNT_CLOEXEC,
  MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOVE_MOUNT_F_EMPTY_PATH, AT_FDCWD,
} from './new-mount.ts';
export { mountPoints, mountTable, isMountPoint, fsTypeAt, type MountEntry } from './mount-points.ts';
export { attachLoop, detachLoop, freeLoopNumber, loopBackingFile, loopDirectIo, attachedLoops, loopConfig, loopInfo64, loopFlags, LOOP_CONTROL, LOOP_MAJOR, LOOP_CONFIG_BYTES, LOOP_INFO64_BYTES, LO_FLAGS_READ_ONLY, LO_FLAGS_AUTOCLEAR, LO_FLAGS_DIRECT_IO, type LoopDevice, type LoopOptions } from './loop-device.ts';
export * from './namespaces.ts';
export * from './open-in-root.ts';
export * from './pty.ts';
export { execve, exitNow } from './execve.ts';
export { closeRange, CLOSE_RANGE_CLOEXEC, MAX_FD } from './close-range.ts';
export { isCloexec, setCloexec } from './cloexec.ts';
export { interfaceUp } from './interface-up.ts';
export * from './prctl.ts';
export { capget, capset, capLastCap, type CapabilitySets } from './capabilities.ts';
export { setgroups, setresgid, setresuid } from './credentials.ts';
export { getrlimit, setrlimit, rlimitResource, RLIMIT_RESOURCES, RLIM_INFINITY, type ResourceLimit } from './rlimit.ts';
export * from './seccomp.ts';
export { resetSignalsForExec } from './signal-defaults.ts';
export { bpfProgLoad, bpfProgAttach, BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, BPF_INSN_SIZE } from './bpf.ts';
export { dmIoctl, DM_CONTROL_PATH } from './dm-ioctl.ts';
export { editDistance, nearestName } from './nearest-name.ts';
export { readDirOptional } from './read-dir-optional.ts';
export { listenUnix, connectUnix, acceptConnection, peerCredentials, receiveWithFds, sendWithFds, type PeerCredentials, type Received } from './unix-socket.ts';
export { dupOnto } from './dup-onto.ts';
export { declareLibcBindings } from './libc.ts';
export { makeDirectories } from './make-directories.ts';
export { errorCode } from './error-code.ts';
