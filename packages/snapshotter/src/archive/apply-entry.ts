import fs from 'node:fs';
import { futimensNs, lsetxattr, lutimesNs, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '@layerctl/sys';
import type { TarHeader } from './tar/tar-header.ts';

/**
 * Writing one entry of a layer at a real path the caller has resolved and cleared: content,
 * then owner, then mode, then xattrs, then time. The order matters:
 * - chown(2) clears setuid and setgid on a non-directory, so the mode comes after the owner;
 * - chown also drops security.capability (and writing content would too), so xattrs come after both;
 * - writing content sets the time, so it is set after the last write. chown, chmod and xattrs
 *   change only the inode's ctime, which no tar carries: a regular file's time is set on its open
 *   descriptor before it is closed (no second path lookup), other entries' last, by path.
 */

/** What new entries are created with, before their own mode is set: nobody else may open them meanwhile. */
const CREATE_MODE = 0o600;
const CREATE_DIR_MODE = 0o700;

const O_CREATE_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** The set-group-ID bit: a new file in a directory that has it takes the directory's group. */
export const S_ISGID = 0o2000;

/**
 * Modes a file may have from its open() on: readable by everyone once done and writable only by
 * its owner, so nobody reads it early who may not read it later, nobody else writes into it.
 */
const OPEN_MODE_BITS = 0o755;
const OTHERS_READ = 0o004;

/** The umask when /proc does not say: every bit, so no open() mode counts as exact. */
const UNKNOWN_UMASK = 0o777;
const PROC_STATUS = '/proc/self/status';

/** Who creates the files: a new file takes this process's uid and gid, its open() mode less the umask. */
export interface Creator {
  uid: number;
  gid: number;
  umask: number;
}

/** The calling process as a Creator. The umask is read from /proc: process.umask() would set it to 0 for a moment. */
export function currentCreator(): Creator {
  const umask = /^Umask:\s+([0-7]+)$/m.exec(fs.readFileSync(PROC_STATUS, 'utf8'))?.[1];
  return { uid: process.geteuid?.() ?? -1, gid: process.getegid?.() ?? -1, umask: umask === undefined ? UNKNOWN_UMASK : parseInt(umask, 8) };
}

/**
 * Writes a regular file's content from `body`, one chunk at a time; returns the bytes written.
 * `plainParent` says the parent directory is one this layer made without setgid, so a new file
 * in it belongs to `creator`'s uid and gid; when those are the entry's, the chown is skipped.
 */
export async function writeFile(real: string, header: TarHeader, body: AsyncIterable<Buffer>, creator: Creator, plainParent: boolean): Promise<number> {
  const fd = createFile(real, header, creator);
  let written = 0;
  try {
    // A synchronous write per chunk: the next chunk is not pulled from the tar until this one is on
    // disk (backpressure), without a thread-pool round trip per chunk.
    for await (const chunk of body) written += writeAll(fd, chunk);
    finishFile(fd, header, creator, plainParent);
  } finally {
    fs.closeSync(fd);
  }
  setXattrs(real, header);
  return written;
}

/**
 * writeFile for a body at hand whole (what most files of a layer are): the same system calls,
 * without a promise or a turn of the event loop.
 */
export function writeWholeFile(real: string, header: TarHeader, content: Buffer, creator: Creator, plainParent: boolean): number {
  const fd = createFile(real, header, creator);
  try {
    writeAll(fd, content);
    finishFile(fd, header, creator, plainParent);
  } finally {
    fs.closeSync(fd);
  }
  setXattrs(real, header);
  return content.length;
}

/** True when open() gives a new file the entry's exact mode: no set-id or sticky bit, readable by all, nothing the umask takes. */
function exactAtOpen(header: TarHeader, creator: Creator): boolean {
  return (header.mode & ~OPEN_MODE_BITS) === 0 && (header.mode & OTHERS_READ) !== 0 && (header.mode & creator.umask) === 0;
}

function createFile(real: string, header: TarHeader, creator: Creator): number {
  return fs.openSync(real, O_CREATE_NEW, exactAtOpen(header, creator) ? header.mode : CREATE_MODE);
}

function writeAll(fd: number, chunk: Buffer): number {
  for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
  return chunk.length;
}

/** Owner, mode and time of a file whose content is written, on its descriptor. */
function finishFile(fd: number, header: TarHeader, creator: Creator, plainParent: boolean): void {
  // chown clears only setuid and setgid, which a mode exact at open() never has.
  if (!(plainParent && header.uid === creator.uid && header.gid === creator.gid)) fs.fchownSync(fd, header.uid, header.gid);
  if (!exactAtOpen(header, creator)) fs.fchmodSync(fd, header.mode);
  setFileTime(fd, header.mtimeNs);
}

const NS_PER_SECOND = 1_000_000_000n;
/** Whole seconds up to here are exact as a double, which is what Node's futimes takes. */
const MAX_EXACT_SECONDS_NS = BigInt(Number.MAX_SAFE_INTEGER) * NS_PER_SECOND;

/**
 * Sets a file's access and modification time on its descriptor. A time in whole seconds (what
 * most layer writers give, ustar headers hold no more) goes through Node's futimes, a third
 * cheaper than futimensNs's foreign call; it is exact for them. Node turns a negative time into
 * "now", so times before 1970 and with nanoseconds take futimensNs.
 */
function setFileTime(fd: number, mtimeNs: bigint): void {
  if (mtimeNs >= 0n && mtimeNs <= MAX_EXACT_SECONDS_NS && mtimeNs % NS_PER_SECOND === 0n) {
    const seconds = Number(mtimeNs / NS_PER_SECOND);
    fs.futimesSync(fd, seconds, seconds);
  } else {
    futimensNs(fd, mtimeNs, mtimeNs);
  }
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
