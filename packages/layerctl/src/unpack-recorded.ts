import { LayerctlError } from '@layerctl/sys';
import type { SnapshotContext } from './with-snapshotter.ts';

/**
 * Unpacks the image `ref` (a name or id) that was just recorded; messages call it `shownAs`.
 * The layer store records first, then unpacks, so when the unpack fails the image stays
 * recorded: the one line says so and how to remove it, and the failure itself stays the cause
 * (--debug shows it with its class).
 */
export async function unpackRecorded({ root, snapshotter, api }: SnapshotContext, ref: string, shownAs: string = ref): Promise<void> {
  try {
    await api.unpackImage(root, snapshotter, ref);
  } catch (err) {
    if (!(err instanceof LayerctlError)) throw err;
    throw new LayerctlError(`${err.message} (image ${shownAs} is stored but its layers are not unpacked; layerctl rmi ${shownAs} removes it)`, { cause: err });
  }
}
