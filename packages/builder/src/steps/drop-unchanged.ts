import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { O_NOFOLLOW, O_PATH, SysError, llistxattr, openInRoot } from '@layerctl/sys';
import { WHITEOUT_PREFIX, readTar, writeTar, type TarHeader, type TarInput } from '@layerctl/snapshotter';

/**
 * A file's content is compared with the parent's only up to this size; a bigger one with the same
 * metadata is kept in the layer (reading it twice would cost more than the bytes it saves).
 */
const COMPARE_MAX_BYTES = 1024 * 1024;

/**
 * The layer tar without the entries that are the same as in the parent tree (containerd's
 * `sameFile`): what a driver's diff may carry without a real change, such as overlayfs copying
 * a file up for a chmod to the mode it already had, or a directory that only holds a changed
 * file. Regular files are the same when type, mode, owner, size, mtime and content agree and
 * neither side has xattrs; directories when type, mode, owner and mtime agree without xattrs. Everything else (symlinks,
 * hardlinks, devices, whiteouts) is kept. With every driver's diff passed through this, the same
 * build gives the same layer on each, whatever extra entries a driver's diff has.
 *
 * `parentRoot` is the parent chain mounted read-only; its paths are resolved inside it.
 */
export function dropUnchanged(tar: AsyncIterable<Buffer>, parentRoot: string): Readable {
  async function* filtered(): AsyncGenerator<TarInput> {
    const rootFd = fs.openSync(parentRoot, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      for await (const { header, body } of readTar(tar)) {
        const kept = await keep(rootFd, header, body);
        if (kept !== undefined) yield kept;
      }
    } finally {
      fs.closeSync(rootFd);
    }
  }
  return writeTar(filtered());
}

/** The entry to write, or undefined when the parent already has it as it is. */
async function keep(rootFd: number, header: TarHeader, body: AsyncIterable<Buffer>): Promise<TarInput | undefined> {
  const candidate = (header.type === 'file' || header.type === 'directory') && header.xattrs.size === 0 && !isWhiteout(header.name);
  const parent = candidate ? parentStat(rootFd, header.name) : undefined;
  if (parent === undefined || !sameMetadata(header, parent)) return { header, body: header.type === 'file' ? body : undefined };
  if (header.type === 'directory') return undefined;
  if (header.size > COMPARE_MAX_BYTES) return { header, body };
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const content = Buffer.concat(chunks);
  return sameContent(rootFd, header.name, content) ? undefined : { header, body: content };
}

function isWhiteout(name: string): boolean {
  return (name.split('/').at(-1) ?? '').startsWith(WHITEOUT_PREFIX);
}

interface ParentEntry {
  stat: fs.BigIntStats;
  hasXattrs: boolean;
}

/** The parent's entry at `name` (not followed if it is a symlink), or undefined when it has none. */
function parentStat(rootFd: number, name: string): ParentEntry | undefined {
  let fd: number;
  try {
    fd = openInRoot(rootFd, name, O_PATH | O_NOFOLLOW);
  } catch (err) {
    if (err instanceof SysError) return undefined;
    throw err;
  }
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    // The descriptor's own path is the entry's real path inside the mount, free of symlinks, so
    // the l- call reads exactly this entry's attributes.
    const hasXattrs = !stat.isSymbolicLink() && llistxattr(fs.readlinkSync(`/proc/self/fd/${fd}`)).length > 0;
    return { stat, hasXattrs };
  } finally {
    fs.closeSync(fd);
  }
}

function sameMetadata(header: TarHeader, { stat, hasXattrs }: ParentEntry): boolean {
  const type = header.type === 'file' ? stat.isFile() : stat.isDirectory();
  const sized = header.type !== 'file' || BigInt(header.size) === stat.size;
  return type && sized && Number(stat.mode & 0o7777n) === header.mode && Number(stat.uid) === header.uid && Number(stat.gid) === header.gid && stat.mtimeNs === header.mtimeNs && !hasXattrs;
}

function sameContent(rootFd: number, name: string, content: Buffer): boolean {
  const fd = openInRoot(rootFd, name, fs.constants.O_RDONLY | O_NOFOLLOW);
  try {
    const parent = Buffer.alloc(content.length + 1);
    let filled = 0;
    for (let read = -1; read !== 0 && filled < parent.length; filled += read) read = fs.readSync(fd, parent, filled, parent.length - filled, null);
    return filled === content.length && parent.subarray(0, filled).equals(content);
  } finally {
    fs.closeSync(fd);
  }
}
