import { fileURLToPath } from 'node:url';
import { NotSupportedError } from '@layerctl/sys';
import { rootfsPlan } from '../rootfs/rootfs-plan.ts';
import { processSecurityPlan } from '../security/process-security-plan.ts';
import { seccompProgram } from '../security/seccomp-program.ts';
import type { NamespaceType, Spec } from '../spec/runtime-spec.ts';
import { type InitOp, initOp } from './init-plan.ts';
import { NAMESPACE_FLAGS, namespaceOf } from './namespace-flags.ts';

/** The namespaces the init makes itself (pid was made by the parent, before it was spawned). */
const UNSHARED_HERE: readonly NamespaceType[] = ['mount', 'uts', 'ipc', 'network'];
/**
 * Compiled seccomp programs (Docker's profile: tens of milliseconds through libseccomp, ~2 ms
 * read back), kept with the package, root-owned like the code that loads them.
 */
const SECCOMP_CACHE = fileURLToPath(new URL('../../node_modules/.cache/layerctl-seccomp', import.meta.url));
const PROC_SELF_OOM_SCORE_ADJ = '/proc/self/oom_score_adj';

/**
 * Everything the container's init does, from the spec, in order: namespaces; the root filesystem
 * (with the hierarchies of `procsFiles` under /sys/fs/cgroup, after a go of the parent's that
 * says they are made) and pivot_root; hostname, terminal,
 * oom_score_adj, cwd; the parent's go, given once the parent has put the init in its cgroups
 * (process/join-cgroups.ts); the cgroup namespace made there; identity and privileges; the
 * program. A spec the init could not carry out is refused here.
 */
export function containerPlan(spec: Spec, bundle: string, procsFiles: readonly string[]): InitOp[] {
  const seccomp = spec.linux.seccomp === undefined ? undefined : seccompProgram(spec.linux.seccomp, SECCOMP_CACHE);
  const ops = [...namespacesPlan(spec), ...rootfsPlan(spec, bundle, procsFiles)];
  if (spec.hostname !== undefined && namespaceOf(spec.linux.namespaces, 'uts') !== undefined) ops.push(initOp('sethostname', spec.hostname));
  if (spec.process.terminal === true) ops.push(initOp('terminal_session'));
  if (spec.process.oomScoreAdj !== undefined) ops.push(initOp('write_file', PROC_SELF_OOM_SCORE_ADJ, String(spec.process.oomScoreAdj)));
  ops.push(initOp('chdir', spec.process.cwd), initOp('wait_go'));
  const cgroup = namespaceOf(spec.linux.namespaces, 'cgroup');
  if (cgroup !== undefined && cgroup.path === undefined) ops.push(initOp('unshare', NAMESPACE_FLAGS.cgroup));
  ops.push(...processSecurityPlan(spec.process, seccomp), initOp('exec', spec.process.args, spec.process.env));
  return ops;
}

function namespacesPlan(spec: Spec): InitOp[] {
  const mount = namespaceOf(spec.linux.namespaces, 'mount');
  if (mount === undefined || mount.path !== undefined) {
    throw new NotSupportedError('container init: the spec must give the container a new mount namespace of its own (no path)');
  }
  if (namespaceOf(spec.linux.namespaces, 'user') !== undefined) {
    // See the README: the executor makes no user namespace yet (it needs the uid/gid maps written
    // by the parent between the init's unshare and its first mount).
    throw new NotSupportedError('container init: user namespaces are not supported by this executor yet; use --runtime crun or runc');
  }
  if (namespaceOf(spec.linux.namespaces, 'time') !== undefined) {
    throw new NotSupportedError('container init: time namespaces are not supported by this executor');
  }
  let flags = 0;
  for (const type of UNSHARED_HERE) {
    const ns = namespaceOf(spec.linux.namespaces, type);
    if (ns !== undefined && ns.path === undefined) flags |= NAMESPACE_FLAGS[type];
  }
  const ops = [initOp('unshare', flags)];
  for (const ns of spec.linux.namespaces) {
    if (ns.path !== undefined && ns.type !== 'pid') ops.push(initOp('setns', ns.path, NAMESPACE_FLAGS[ns.type]));
  }
  const network = namespaceOf(spec.linux.namespaces, 'network');
  if (network !== undefined && network.path === undefined) ops.push(initOp('loopback_up'));
  return ops;
}
