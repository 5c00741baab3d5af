import { FailedPreconditionError } from '@layerctl/sys';
import { ContainerStore, type ContainerRecord } from './container-store.ts';
import { runRuntime } from './runtime-command.ts';
import type { MetadataStore } from '@layerctl/snapshotter';

/**
 * Freezes (pause) or thaws (unpause) every process of a running container through its freezer
 * cgroup (v1 freezer, v2 cgroup.freeze), and records the state. A container run by crun or runc
 * is paused by that runtime, which owns its cgroups.
 */
export async function setContainerPaused(metadata: MetadataStore, record: ContainerRecord, paused: boolean): Promise<void> {
  const wanted = paused ? 'running' : 'paused';
  if (record.state !== wanted) throw new FailedPreconditionError(`container ${record.name} is ${record.state}, not ${wanted}`);
  if (record.config.runtime === 'layerctl') {
    const { openCgroup } = await import('@layerctl/executor');
    const cgroup = openCgroup(record.config.cgroupsPath);
    if (cgroup === undefined) throw new FailedPreconditionError(`container ${record.name}: its cgroup ${record.config.cgroupsPath} is gone; is it still running?`);
    if (paused) cgroup.freeze();
    else cgroup.thaw();
  } else {
    runRuntime(record.config.runtime, [paused ? 'pause' : 'resume', record.id]);
  }
  new ContainerStore(metadata).setPaused(record.id, paused);
}
