import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  closeRange,
  exitNow,
  CLOSE_RANGE_CLOEXEC,
  interfaceUp,
  NotSupportedError,
  resetSignalsForExec,
  setCloexec,
  setControllingTerminal,
  sethostname,
  setns,
  setsid,
  SysError,
  unshare,
} from '@layerctl/sys';
import { setupRootfs } from '../rootfs/setup-rootfs.ts';
import { applyProcessSecurity } from '../security/apply-process-security.ts';
import { seccompProgram } from '../security/seccomp-program.ts';
import { readSpec } from '../spec/read-spec.ts';
import type { NamespaceType, Spec } from '../spec/runtime-spec.ts';
import { ExecFailure, execProgram } from './find-program.ts';
import { ERROR_FD, EXIT_INIT_FAILED, GO_FD, type InitFailure } from './init-protocol.ts';
import { NAMESPACE_FLAGS, namespaceOf } from './namespace-flags.ts';

/** The namespaces the init makes itself (pid was made by the parent, before it was spawned). */
const UNSHARED_HERE: readonly NamespaceType[] = ['mount', 'uts', 'ipc', 'network'];
/**
 * Compiled seccomp programs (Docker's profile: tens of milliseconds through libseccomp, ~2 ms
 * read back), kept with the package, root-owned like the code that loads them.
 */
const SECCOMP_CACHE = fileURLToPath(new URL('../../node_modules/.cache/layerctl-seccomp', import.meta.url));
/** Signals Node leaves ignored, which execve would hand on to the program. */
const SIGNALS_TO_RESET = [os.constants.signals.SIGPIPE, os.constants.signals.SIGXFSZ];

/**
 * The container's init, run as `node init-main.ts BUNDLE [CGROUP_PROCS_FILE...]`, PID 1 of the
 * new pid namespace. Everything runs on the main thread, with sync calls only: unshare() moves
 * only this thread, and libuv's threads (async fs) stay in the host's namespaces. Never returns:
 * it becomes the program (execve) or exits with the failure written on ERROR_FD.
 */
export function runInit(args: readonly string[]): never {
  setCloexec(ERROR_FD);
  try {
    const [bundle, ...procsFiles] = args;
    if (bundle === undefined) throw new NotSupportedError('container init: no bundle directory given');
    startContainerProcess(readSpec(bundle), bundle, procsFiles);
  } catch (error) {
    return fail(error);
  }
}

function startContainerProcess(spec: Spec, bundle: string, procsFiles: readonly string[]): never {
  enterNamespaces(spec);
  // Opened while the host's /sys/fs/cgroup is still reachable, written once everything else is done.
  const cgroupFds = procsFiles.map((file) => fs.openSync(file, 'w'));
  let seccomp: Buffer | undefined;
  setupRootfs(spec, bundle, procsFiles, () => {
    // Compiled (or read from the cache) while the host's files are reachable: after pivot_root,
    // libseccomp and the cache would be looked up in the image.
    if (spec.linux.seccomp !== undefined) seccomp = seccompProgram(spec.linux.seccomp, SECCOMP_CACHE);
  });
  if (spec.hostname !== undefined && namespaceOf(spec.linux.namespaces, 'uts') !== undefined) sethostname(spec.hostname);
  if (spec.process.terminal === true) becomeTerminalSession();
  if (spec.process.oomScoreAdj !== undefined) fs.writeFileSync('/proc/self/oom_score_adj', String(spec.process.oomScoreAdj));
  fs.mkdirSync(spec.process.cwd, { recursive: true });
  process.chdir(spec.process.cwd);
  if (!waitForGo()) process.exit(EXIT_INIT_FAILED);
  joinCgroups(cgroupFds, spec);
  applyProcessSecurity(spec.process, seccomp);
  for (const fd of [0, 1, 2]) setCloexec(fd, false);
  closeRange(GO_FD, undefined, CLOSE_RANGE_CLOEXEC);
  resetSignalsForExec(SIGNALS_TO_RESET);
  return execProgram(spec.process.args, spec.process.env);
}

function enterNamespaces(spec: Spec): void {
  let flags = 0;
  for (const type of UNSHARED_HERE) {
    const ns = namespaceOf(spec.linux.namespaces, type);
    if (ns !== undefined && ns.path === undefined) flags |= NAMESPACE_FLAGS[type];
  }
  const mount = namespaceOf(spec.linux.namespaces, 'mount');
  if (mount === undefined || mount.path !== undefined) {
    throw new NotSupportedError('container init: the spec must give the container a new mount namespace of its own (no path)');
  }
  if (namespaceOf(spec.linux.namespaces, 'user') !== undefined) {
    // See the README: unshare(CLONE_NEWUSER) is refused to a multithreaded process such as Node.
    throw new NotSupportedError('container init: user namespaces are not supported by this executor yet; use --runtime crun or runc');
  }
  if (namespaceOf(spec.linux.namespaces, 'time') !== undefined) {
    throw new NotSupportedError('container init: time namespaces are not supported by this executor');
  }
  unshare(flags);
  for (const ns of spec.linux.namespaces) {
    if (ns.path === undefined || ns.type === 'pid') continue;
    const fd = fs.openSync(ns.path, 'r');
    try {
      setns(fd, NAMESPACE_FLAGS[ns.type], ns.path);
    } finally {
      fs.closeSync(fd);
    }
  }
  const network = namespaceOf(spec.linux.namespaces, 'network');
  if (network !== undefined && network.path === undefined) interfaceUp('lo');
}

/**
 * Joins the container's cgroups as late as possible, so that the init's own memory (Node's heap,
 * charged where it was allocated) stays with the caller's cgroup and `--memory 16m` runs a small
 * program; then the cgroup namespace, rooted at the cgroups just joined.
 */
function joinCgroups(fds: readonly number[], spec: Spec): void {
  for (const fd of fds) {
    fs.writeSync(fd, '0');
    fs.closeSync(fd);
  }
  const cgroup = namespaceOf(spec.linux.namespaces, 'cgroup');
  if (cgroup !== undefined && cgroup.path === undefined) unshare(NAMESPACE_FLAGS.cgroup);
}

/**
 * The pty slave (fds 0-2) becomes the controlling terminal of a new session led by the init. A
 * detached init leads a session already (spawn's setsid), where setsid fails EPERM: that is fine.
 */
function becomeTerminalSession(): void {
  try {
    setsid();
  } catch (error) {
    if (!(error instanceof SysError && error.code === 'EPERM')) throw error;
  }
  setControllingTerminal(0);
}

/** Blocks until the parent says go (true) or goes away (EOF: false). */
function waitForGo(): boolean {
  const buf = Buffer.alloc(1);
  for (;;) {
    try {
      return fs.readSync(GO_FD, buf, 0, 1, null) === 1;
    } catch (error) {
      if (error instanceof Error && 'code' in error && (error.code === 'EAGAIN' || error.code === 'EINTR')) continue;
      throw error;
    }
  }
}

function fail(error: unknown): never {
  const failure: InitFailure = {
    message: error instanceof Error ? error.message : String(error),
    exitCode: error instanceof ExecFailure ? error.exitCode : EXIT_INIT_FAILED,
  };
  try {
    fs.writeSync(ERROR_FD, `${JSON.stringify(failure)}\n`);
  } finally {
    // Even when the parent is gone (EPIPE), the exit status still tells the failure. _exit, not
    // process.exit: past seccomp, libuv's loop teardown would make refused io_uring calls and
    // complain about them on the container's stderr.
    exitNow(failure.exitCode);
  }
}
