import {
  chmod,
  chown,
  createDir,
  createFile,
  link,
  mknodAt,
  remove,
  rename,
  setxattr,
  symlink,
  type FileOp,
} from '../file-ops.ts';
import { checkLayers, type ChainOptions } from '../layer-chain.ts';
import type { Case } from '../suite-context.ts';

/**
 * The cases of containerd's suite that apply file operations layer by layer and compare the
 * result with a plain directory (core/snapshots/testsuite/testsuite.go), plus our own Chmod and
 * deep chains. Layers are lists of FileOp, so a failing case names the operation at fault.
 */

const layers =
  (...ops: FileOp[][]): Case =>
  async (ctx) => {
    await checkLayers(ctx, ops);
  };

export const layerFileUpdate: Case = layers(
  [
    createDir('/etc', 0o700),
    createFile('/etc/hosts', 'mydomain 10.0.0.1', 0o644),
    createFile('/etc/profile', 'PATH=/usr/bin', 0o644),
  ],
  [
    createFile('/etc/hosts', 'mydomain 10.0.0.2', 0o644),
    createFile('/etc/profile', 'PATH=/usr/bin', 0o666),
    createDir('/root', 0o700),
    createFile('/root/.bashrc', 'PATH=/usr/sbin:/usr/bin', 0o644),
  ],
  [createFile('/etc/hosts', 'mydomain 10.0.0.3', 0o644), createFile('/etc/profile', 'PATH=/usr/bin:/usr/local/bin', 0o666)],
);

export const removeDirectoryInLowerLayer: Case = layers(
  [
    createDir('/lib', 0o700),
    createFile('/lib/hidden', 'hidden', 0o644),
    createDir('/lib/keep', 0o755),
    createFile('/lib/keep/deep', 'deep', 0o644),
  ],
  [remove('/lib'), createDir('/lib', 0o700), createFile('/lib/pride', 'pride', 0o644)],
  [remove('/lib')],
  [createDir('/lib', 0o700), createFile('/lib/newfile', 'fresh', 0o644)],
);

export const chownCase: Case = layers(
  [createDir('/opt', 0o700), createDir('/opt/a', 0o700), createDir('/opt/a/b', 0o700), createFile('/opt/a/b/file.txt', 'hello', 0o644)],
  [chown('/opt', 1, 1), chown('/opt/a', 1, 1), chown('/opt/a/b', 1, 1), chown('/opt/a/b/file.txt', 1, 1)],
);

export const directoryPermissionOnCommit: Case = layers(
  [
    createDir('/dir1', 0o700),
    createDir('/dir2', 0o700),
    createDir('/dir3', 0o700),
    chown('/dir1', 1, 1),
    chown('/dir2', 1, 1),
    chown('/dir3', 1, 1),
  ],
  [createFile('/dir1/file1', 'contents', 0o644), createDir('/dir2/nested', 0o711), chown('/dir3', 2, 2)],
  [createFile('/dir2/nested/file2', 'more', 0o600)],
);

export const deletedFilesInChildSnapshot: Case = layers(
  [createFile('/foo', 'foo\n', 0o777), createFile('/bar', 'bar\n', 0o777), createDir('/d', 0o755), createFile('/d/f', 'f\n', 0o644)],
  [remove('/foo'), remove('/d/f')],
  [createFile('/foo', 'foo again\n', 0o600), remove('/bar')],
);

export const moveFileFromLowerLayer: Case = layers(
  [
    createFile('/foo', 'foo\n', 0o777),
    createDir('/dir', 0o755),
    createFile('/dir/bar', 'bar\n', 0o644),
    createFile('/dir/baz', 'baz\n', 0o644),
  ],
  [
    rename('/foo', '/foo2'),
    rename('/dir/bar', '/bar2'),
    createFile('/dir/baz-new', 'new baz\n', 0o600),
    rename('/dir/baz-new', '/dir/baz'),
    rename('/bar2', '/dir/bar'),
  ],
);

/** Renames a lower directory: overlay without redirect_dir refuses this with EXDEV. */
export const renameCase: Case = layers(
  [
    createDir('/dir1', 0o700),
    createDir('/somefiles', 0o700),
    createFile('/somefiles/f1', 'was here', 0o700),
    createFile('/somefiles/f2', 'nothing interesting', 0o700),
  ],
  [
    rename('/dir1', '/dir2'),
    createFile('/somefiles/f1-overwrite', 'new content 1', 0o700),
    rename('/somefiles/f1-overwrite', '/somefiles/f1'),
    rename('/somefiles/f2', '/somefiles/f3'),
  ],
);

export const chmodCase: Case = layers(
  [
    createDir('/bin', 0o755),
    createFile('/bin/tool', 'tool', 0o755),
    createDir('/tmp', 0o777),
    createFile('/secret', 'secret', 0o600),
    createDir('/dir', 0o750),
    createFile('/dir/file', 'file', 0o644),
  ],
  [chmod('/bin/tool', 0o4755), chmod('/tmp', 0o1777), chmod('/secret', 0), chmod('/dir', 0o2775)],
  [chmod('/bin/tool', 0o755), chmod('/dir/file', 0o2640)],
);

/** Every kind of entry and the metadata a layer keeps, created, changed and removed across layers. */
export const entryKinds: Case = layers(
  [
    createDir('/etc', 0o755),
    createFile('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n', 0o644),
    setxattr('/etc/passwd', 'user.origin', 'layer 0'),
    setxattr('/etc/passwd', 'trusted.note', Buffer.from([0, 1, 0xfe, 0xff])),
    symlink('../etc/passwd', '/etc/link'),
    symlink('nowhere', '/etc/dangling'),
    createFile('/etc/group', 'root:x:0:\n', 0o644),
    link('/etc/group', '/etc/group-'),
    createDir('/dev', 0o755),
    mknodAt('/dev/null', 'char', 0o666, 1, 3),
    mknodAt('/dev/fifo', 'fifo', 0o600),
    mknodAt('/dev/socket', 'socket', 0o755),
  ],
  [
    setxattr('/etc/passwd', 'user.origin', 'layer 1'),
    remove('/etc/dangling'),
    symlink('/etc/passwd', '/etc/dangling'),
    link('/etc/passwd', '/etc/passwd-'),
    chown('/etc/link', 7, 8),
    remove('/dev/fifo'),
    mknodAt('/dev/zero', 'char', 0o666, 1, 5),
  ],
);

/**
 * A file with two names in a lower layer, changed through one name in a child: both names see
 * the change. overlayfs breaks such a hardlink on copy-up unless it runs with index=on
 * (Documentation/filesystems/overlayfs.rst, "Non-standard behavior").
 */
export const lowerHardlinkCopyUp: Case = layers(
  [createDir('/etc', 0o755), createFile('/etc/shadow', 'root:*:1::::::\n', 0o640), link('/etc/shadow', '/etc/shadow-')],
  [createFile('/etc/shadow', 'root:!:2::::::\n', 0o640), chown('/etc/shadow-', 0, 42)],
);

/**
 * containerd's check128LayersMount, for any depth: each layer overwrites one file, adds one,
 * and replaces a directory whole, so every layer's whiteouts and opaque directories are in play.
 */
export function deepChain(depth: number, checkEvery: number, top: ChainOptions['top'] = 'view'): Case {
  return async (ctx) => {
    const bottom: FileOp[] = [
      createFile('/bottom', 'way at the bottom\n', 0o777),
      createFile('/overwriteme', 'FIRST!\n', 0o777),
      createDir('/ADDHERE', 0o755),
      createDir('/ONLYME', 0o755),
      createFile('/ONLYME/bottom', 'bye!\n', 0o777),
    ];
    const above = Array.from({ length: depth - 1 }, (_, n): FileOp[] => [
      createFile('/overwriteme', `${n + 1} WAS HERE!\n`, 0o777),
      createFile(`/ADDHERE/file-${n + 1}`, 'same\n', 0o755),
      remove('/ONLYME'),
      createDir('/ONLYME', 0o755),
      createFile(`/ONLYME/file-${n + 1}`, 'only me!\n', 0o777),
    ]);
    const names = await checkLayers(ctx, [bottom, ...above], { checkEvery, top });
    ctx.t.is(names.length, depth);
  };
}
