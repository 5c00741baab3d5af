import * as api from './cases/api-cases.ts';
import * as layer from './cases/layer-cases.ts';
import * as mounted from './cases/mount-cases.ts';
import { registerCases } from './register-cases.ts';
import { runCase, type Case, type OpenSnapshotter } from './suite-context.ts';

/**
 * The snapshotter conformance suite: containerd's core/snapshots/testsuite cases, by their
 * containerd names, plus ours. Each case is one ava test titled by the rule it checks.
 */
const cases = {
  Basic: ['a committed layer reads back through a child and a view, and parents outlive only their children', api.basic],
  StatActive: ['stat of a prepared key says active, with its labels', api.statActive],
  StatCommitted: ['stat of a committed name says committed, and the key it came from is gone', api.statCommitted],
  Transitivity: ['parents chain: the parent of a child is the snapshot it was prepared on', api.transitivity],
  PrepareView: ['prepare and view refuse a key already in use (AlreadyExists)', api.prepareView],
  ParentMustBeCommitted: ['only committed snapshots can be parents; a missing parent is NotFound', api.parentMustBeCommitted],
  CommitRules: ['only an active snapshot can be committed, onto a free name', api.commitRules],
  Update: ['update changes labels only, keeps created and moves updated', api.update],
  Remove: ['active, view and committed snapshots can be removed, parents after their children', api.removeCase],
  RemoveAfterCommit: ['commit removes the active key, which can then be used again', api.removeAfterCommit],
  RemoveIntermediateSnapshot: ['a snapshot in the middle of a chain cannot be removed while it has children', api.removeIntermediateSnapshot],
  Walk: ['walk filters by name, parent, kind and labels; comma is AND, several filters are OR', api.walk],
  StatInWalk: ['walk and stat report the same info', api.statInWalk],
  RemoveInWalk: ['snapshots can be removed while iterating a walk result', api.removeInWalk],
  CloseTwice: ['closing a snapshotter twice succeeds', api.closeTwice],
  Mounts: ['mounts() gives what prepare and view returned, and they mount the snapshot', api.mountsAfterPrepareAndView],
  LayerFileUpdate: ['files rewritten in upper layers read back as last written', layer.layerFileUpdate],
  RemoveDirectoryInLowerLayer: ['a directory removed and recreated above hides everything it held below', layer.removeDirectoryInLowerLayer],
  Chown: ['ownership changed on lower entries shows in the child', layer.chownCase],
  Chmod: ['mode bits changed on lower entries, setuid, setgid and sticky included, show in the child', layer.chmodCase],
  DirectoryPermissionOnCommit: ['directory owners and modes survive copy-up and commit', layer.directoryPermissionOnCommit],
  DeletedFilesInChildSnapshot: ['a file removed in a child is gone from its view', layer.deletedFilesInChildSnapshot],
  MoveFileFromLowerLayer: ['a file moved out of a lower layer is at its new name only, and one renamed over a lower file replaces it', layer.moveFileFromLowerLayer],
  Rename: ['a lower directory can be renamed, and a file renamed over another replaces it', layer.renameCase],
  EntryKinds: ['symlinks, hardlinks, devices, fifos, sockets and xattrs survive layering', layer.entryKinds],
  LowerHardlinkCopyUp: ['a file with two names in a lower layer changes under both names when written through one', layer.lowerHardlinkCopyUp],
  ViewReadonly: ['a mounted view is read-only: writes fail with EROFS', mounted.viewReadonly],
  RootPermission: ['the root of a mounted snapshot is 0755', mounted.rootPermission],
  Usage: ['usage counts a layer alone: next to nothing when empty, 1 MiB and one inode for a 1 MiB file', mounted.usage],
  UnixDomainSockets: ['a unix socket can be bound in a mounted snapshot and socket entries survive commit', mounted.unixDomainSockets],
  DirectoryInodeStability: ['a directory keeps its inode number when a child writes into it', mounted.directoryInodeStability],
  OpenFileInodeStability: ['a file keeps its inode number across copy-up and open descriptors see the new content', mounted.openFileInodeStability],
  GetCWD: ['getcwd works inside directories of a mounted snapshot', mounted.getCwd],
  '128LayersMount': ['a chain of 128 layers mounts and reads back as applied', layer.deepChain(128, 1)],
  '500LayersMount': ['a view of a chain of 500 layers mounts and reads back as applied', layer.deepChain(500, 50)],
  '500LayersChild': ['a writable snapshot on a chain of 500 layers mounts and reads back as applied', layer.deepChain(500, 50, 'child')],
} satisfies Record<string, [string, Case]>;

export type CaseName = keyof typeof cases;

/**
 * Registers one ava test per case for `driverName`. A case in `unsupported` is skipped with its
 * reason in the title; the reason must be true of the driver (overlay without redirect_dir
 * returns EXDEV when a lower directory is renamed).
 */
export function snapshotterSuite(driverName: string, open: OpenSnapshotter, unsupported: Partial<Record<CaseName, string>> = {}): void {
  registerCases(driverName, cases, unsupported, (t, run) => runCase(t, open, run));
}
