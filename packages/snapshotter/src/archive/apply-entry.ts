import fs from 'node:fs';
import { lsetxattr, lutimesNs, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '@layerctl/sys';
import type { TarHeader } from './tar/tar-header.ts';

/**
 * Writing one entry of a layer at a real path the caller has resolved and cleared: content,
 * then owner, then mode, then xattrs, then time. The order matters:
 * - chown(2) clears setuid and setgid on a non-directory, so the mode comes after the owner;
 * - chown also drops security.capability (and writing content would too), so xattrs come after both;
 * - every step above may touch the time, so it is set last.
 */

/** What new entries are created with, before their own mode is set: nobody else may open them meanwhile. */
const CREATE_MODE = 0o600;
const CREATE_DIR_MODE = 0o700;

const O_CREATE_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Writes a regular file's content from `body`, one chunk at a time; returns the bytes written. */
export async function writeFile(real: string, header: TarHeader, body: AsyncIterable<Buffer>): Promise<number> {
  const fd = fs.openSync(real, O_CREATE_NEW, CREATE_MODE);
  let written = 0;
  try {
    // A synchronous write per chunk: the next chunk is not pulled from the tar until this one is on
    // disk (backpressure), without a thread-pool round trip per chunk.
    for await (const chunk of body) {
      for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
      written += chunk.length;
    }
    fs.fchownSync(fd, header.uid, header.gid);
    fs.fchmodSync(fd, header.mode);
  } finally {
    fs.closeSync(fd);
  }
  setXattrs(real, header);
  lutimesNs(real, header.mtimeNs, header.mtimeNs);
  return written;
}

/** Makes a new directory; its metadata is set by setDirMetadata, its time only at the end of the layer. */
export function makeDirectory(real: string): void {
  fs.mkdirSync(real, CREATE_DIR_MODE);
}

/** Owner, mode and xattrs of a directory (new or kept); not the time: entries added later would change it. */
export function setDirMetadata(real: string, header: TarHeader): void {
  fs.lchownSync(real, header.uid, header.gid);
  fs.chmodSync(real, header.mode);
  setXattrs(real, header);
}

/** A symlink; its target is data, never followed here. Linux symlinks have no mode of their own. */
export function writeSymlink(real: string, header: TarHeader): void {
  fs.symlinkSync(header.linkname, real);
  fs.lchownSync(real, header.uid, header.gid);
  setXattrs(real, header);
  lutimesNs(real, header.mtimeNs, header.mtimeNs);
}

/** A char or block device or a FIFO. */
export function writeNode(real: string, header: TarHeader): void {
  mknod(real, nodeType(header) | CREATE_MODE, header.devmajor, header.devminor);
  fs.lchownSync(real, header.uid, header.gid);
  fs.chmodSync(real, header.mode);
  setXattrs(real, header);
  lutimesNs(real, header.mtimeNs, header.mtimeNs);
}

/** A hardlink to an existing non-directory; the inode keeps its own metadata. */
export function writeHardlink(real: string, existing: string): void {
  fs.linkSync(existing, real);
}

function nodeType(header: TarHeader): number {
  if (header.type === 'char') return S_IFCHR;
  if (header.type === 'block') return S_IFBLK;
  return S_IFIFO;
}

function setXattrs(real: string, header: TarHeader): void {
  for (const [name, value] of header.xattrs) lsetxattr(real, name, value);
}
