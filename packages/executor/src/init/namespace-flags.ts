import {
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWTIME,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
} from '@layerctl/sys';
import type { Namespace, NamespaceType } from '../spec/runtime-spec.ts';

/** The CLONE_NEW* flag of each namespace type the spec names. */
export const NAMESPACE_FLAGS: Readonly<Record<NamespaceType, number>> = {
  pid: CLONE_NEWPID,
  network: CLONE_NEWNET,
  mount: CLONE_NEWNS,
  ipc: CLONE_NEWIPC,
  uts: CLONE_NEWUTS,
  user: CLONE_NEWUSER,
  cgroup: CLONE_NEWCGROUP,
  time: CLONE_NEWTIME,
};

/** The spec's entry for one namespace type: a new one (no path), one to join (path), or the host's. */
export function namespaceOf(namespaces: readonly Namespace[], type: NamespaceType): Namespace | undefined {
  return namespaces.find((ns) => ns.type === type);
}
