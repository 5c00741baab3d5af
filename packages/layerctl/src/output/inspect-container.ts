import { NotFoundError } from '@layerctl/sys';
import { ContainerStore } from '../containers/container-store.ts';
import type { NetworkRoot } from '../networks/connect-network.ts';
import { networkSettings } from '../networks/network-documents.ts';
import { containerDocument } from './containers-table.ts';

/** A container as `inspect` prints it: what `ps --json` shows, and docker inspect's NetworkSettings. */
export function inspectContainer(root: NetworkRoot, ref: string, notImage: NotFoundError) {
  let record;
  try {
    record = new ContainerStore(root.metadata).resolve(ref);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`${ref}: no such image or container`, { cause: notImage });
    throw err;
  }
  return { ...containerDocument(record), NetworkSettings: networkSettings(root, record.id, record.config.network, record.config.ports) };
}
