import fs from 'node:fs';
import { lsetxattr, mknod, S_IFCHR, S_IFIFO, S_IFSOCK } from '@layerctl/sys';

/**
 * File operations as data (containerd's fstest appliers), so the same list can be applied to a
 * mounted snapshot and to a plain directory and the two results compared. Paths are relative to
 * the tree they are applied to, '/'-separated, with or without a leading '/'.
 *
 * Each operation sets exact modes with chmod after creating, because the suite runs under umask 0
 * and mkdir/open would otherwise drop setuid, setgid and sticky bits.
 */
export type FileOp =
  | { op: 'createDir'; path: string; mode: number }
  | { op: 'createFile'; path: string; content: string | Buffer; mode: number }
  | { op: 'remove'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'link'; existing: string; path: string }
  | { op: 'setxattr'; path: string; name: string; value: Buffer }
  | { op: 'mknod'; path: string; kind: 'char' | 'fifo' | 'socket'; mode: number; major: number; minor: number };

export const createDir = (path: string, mode: number): FileOp => ({ op: 'createDir', path, mode });
export const createFile = (path: string, content: string | Buffer, mode: number): FileOp => ({ op: 'createFile', path, content, mode });
/** Removes the path and everything under it, as fstest.RemoveAll. */
export const remove = (path: string): FileOp => ({ op: 'remove', path });
export const rename = (from: string, to: string): FileOp => ({ op: 'rename', from, to });
export const chown = (path: string, uid: number, gid: number): FileOp => ({ op: 'chown', path, uid, gid });
export const chmod = (path: string, mode: number): FileOp => ({ op: 'chmod', path, mode });
export const symlink = (target: string, path: string): FileOp => ({ op: 'symlink', target, path });
export const link = (existing: string, path: string): FileOp => ({ op: 'link', existing, path });
export const setxattr = (path: string, name: string, value: string | Buffer): FileOp => ({
  op: 'setxattr',
  path,
  name,
  value: Buffer.from(value),
});
/** A device, fifo or socket inode (a socket made by mknod, not bound: it is the entry a layer keeps). */
export const mknodAt = (path: string, kind: 'char' | 'fifo' | 'socket', mode: number, major = 0, minor = 0): FileOp => ({
  op: 'mknod',
  path,
  kind,
  mode,
  major,
  minor,
});

const NODE_TYPES = { char: S_IFCHR, fifo: S_IFIFO, socket: S_IFSOCK } as const;

/** Applies the operations to the tree at `root`, in order; a failing operation throws with its path. */
export function applyOps(root: string, ops: readonly FileOp[]): void {
  for (const op of ops) applyOp(root, op);
}

function applyOp(root: string, op: FileOp): void {
  const at = (path: string): string => `${root}/${path.replace(/^\/+/, '')}`;
  switch (op.op) {
    case 'createDir':
      fs.mkdirSync(at(op.path), { mode: op.mode });
      return fs.chmodSync(at(op.path), op.mode);
    case 'createFile':
      fs.writeFileSync(at(op.path), op.content, { mode: op.mode });
      return fs.chmodSync(at(op.path), op.mode);
    case 'remove':
      return fs.rmSync(at(op.path), { recursive: true, force: true });
    case 'rename':
      return fs.renameSync(at(op.from), at(op.to));
    case 'chown':
      return fs.lchownSync(at(op.path), op.uid, op.gid);
    case 'chmod':
      return fs.chmodSync(at(op.path), op.mode);
    case 'symlink':
      return fs.symlinkSync(op.target, at(op.path));
    case 'link':
      return fs.linkSync(at(op.existing), at(op.path));
    case 'setxattr':
      return lsetxattr(at(op.path), op.name, op.value);
    case 'mknod':
      mknod(at(op.path), NODE_TYPES[op.kind] | op.mode, op.major, op.minor);
      return fs.chmodSync(at(op.path), op.mode);
  }
}
