/** Snapshots: containerd's Snapshotter on any Driver, its gc, and the layer store of unpacked images. */
export type { Snapshotter, SnapshotInfo, SnapshotKind, SnapshotUsage, SnapshotOptions, SnapshotFilter } from './snapshotter-api.ts';
export { openSnapshotter, MetadataSnapshotter } from './metadata-snapshotter.ts';
export { parseSnapshotFilters } from './filters.ts';
export type { SnapshotPredicate } from './filters.ts';
export { MAX_LABEL_BYTES } from './snapshot-labels.ts';
export { collectSnapshotGarbage } from './garbage.ts';
export type { SnapshotGarbageReport } from './garbage.ts';
export { unpackImage, releaseImageLayers, DIFF_ID_LABEL, UNPACKING_PID_LABEL } from './layer-store.ts';
export type { UnpackResult, ReleaseReport } from './layer-store.ts';
