import fs from 'node:fs';
import { lgetxattr, llistxattr, major, minor } from '@layerctl/sys';
import { compareNames } from './safe-path.ts';
import { tarHeader, type EntryType, type TarHeader } from './tar/tar-header.ts';

/** Permission bits with setuid, setgid and sticky: what a tar header's mode holds. */
const PERMISSION_BITS = 0o7777n;

/**
 * The tar header of the file at `path` as it is on disk: lstat (the entry itself, never a
 * symlink's target) plus every extended attribute, values byte for byte (security.capability is
 * binary). Owner and group go by number only: names would depend on the host's /etc/passwd.
 * Returns undefined for a socket, which a tar cannot hold (it is made by bind(), not by a file
 * write, and means nothing without the process listening on it).
 */
export function fileHeader(path: string, name: string, stat: fs.BigIntStats): TarHeader | undefined {
  const type = entryType(stat);
  if (type === undefined) return undefined;
  const device = type === 'char' || type === 'block';
  return tarHeader({
    name,
    type,
    mode: Number(stat.mode & PERMISSION_BITS),
    uid: Number(stat.uid),
    gid: Number(stat.gid),
    size: type === 'file' ? Number(stat.size) : 0,
    mtimeNs: stat.mtimeNs,
    linkname: type === 'symlink' ? fs.readlinkSync(path) : '',
    devmajor: device ? major(stat.rdev) : 0,
    devminor: device ? minor(stat.rdev) : 0,
    xattrs: readXattrs(path),
  });
}

/** The tar entry type of what lstat found; undefined for a socket. */
export function entryType(stat: fs.BigIntStats | fs.Stats): EntryType | undefined {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  if (stat.isFIFO()) return 'fifo';
  return undefined;
}

/** Every extended attribute of `path` itself, sorted by name so the same file always gives the same header. */
function readXattrs(path: string): Map<string, Buffer> {
  const xattrs = new Map<string, Buffer>();
  for (const name of llistxattr(path).sort(compareNames)) {
    const value = lgetxattr(path, name);
    // Gone between the list and the read: it is not part of the file any more.
    if (value !== undefined) xattrs.set(name, value);
  }
  return xattrs;
}
