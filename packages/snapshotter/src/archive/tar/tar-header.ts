/**
 * One tar entry's metadata, as layerctl means it: exact, with nothing clamped or defaulted.
 *
 * The codec (headers.ts, tar-reader.ts, tar-writer.ts) maps this to and from ustar blocks plus
 * PAX extended records. A value the ustar fields cannot hold exactly (a long path, uid or gid
 * above the octal field, an mtime with nanoseconds or outside 1970..2242, a binary xattr) travels
 * in a PAX record, so a round trip gives back the same header bit for bit.
 */
export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  /** Path inside the archive, relative, '/'-separated, no leading './' or '/', no trailing '/' (directories too). */
  name: string;
  type: EntryType;
  /** Permission bits with setuid (0o4000), setgid (0o2000) and sticky (0o1000); never the file-type bits. 0 stays 0. */
  mode: number;
  uid: number;
  gid: number;
  /** Owner and group names; '' when unknown. */
  uname: string;
  gname: string;
  /** Bytes of content that follow; 0 for everything but 'file'. */
  size: number;
  /** Modification time in nanoseconds since the epoch; may be negative or past 2038. */
  mtimeNs: bigint;
  /** Target of a symlink, or the archive path of the entry a hardlink points to; '' otherwise. */
  linkname: string;
  /** Device numbers for 'char' and 'block'; 0 otherwise. */
  devmajor: number;
  devminor: number;
  /** Extended attributes by full name (e.g. 'security.capability'), values as raw bytes. Carried as PAX SCHILY.xattr.<name>. */
  xattrs: Map<string, Buffer>;
}

/** Makes a header with the neutral defaults (mode 0, root-owned, epoch mtime) and the given fields. */
export function tarHeader(fields: Partial<TarHeader> & Pick<TarHeader, 'name' | 'type'>): TarHeader {
  return {
    mode: 0,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: 0,
    mtimeNs: 0n,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
    ...fields,
  };
}
