import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { lgetxattr, llistxattr, major, minor } from '@layerctl/sys';
import { entryType } from '../file-header.ts';
import { compareEntryPaths } from '../safe-path.ts';

/**
 * Tree comparison for tests: each entry of a tree as one line of facts (type, mode, owner,
 * device numbers, xattrs, content digest, link target, hardlink group, times), so a failing test
 * prints exactly which entries differ and how. The conformance suite uses it to check that a
 * driver gives back the tree it was given.
 */

export interface TreeOptions {
  /** Which mtimes count: all of them (default), all but directories' (mounts touch those), or none. */
  mtimes?: 'all' | 'non-directories' | 'none';
  /** Also inode-level facts a change leaves behind: ctime and link count. For "nothing changed here" checks. */
  ctime?: boolean;
  /** Names (relative, '/'-separated) not to walk: the entry and all under it are left out. */
  exclude?: string[];
}

/** Each entry under `dir` (not `dir` itself), by relative name in canonical order, as a line of facts. */
export function treeFacts(dir: string, opts: TreeOptions = {}): Map<string, string> {
  const entries = walk(dir, '', new Set(opts.exclude ?? []));
  const groups = hardlinkGroups(entries);
  const facts = new Map<string, string>();
  for (const { name, path, stat } of entries) facts.set(name, describe(path, stat, groups.get(name), opts));
  return facts;
}

/** The differences between two trees, one line per entry that differs; [] when they are equal. */
export function diffTrees(a: string, b: string, opts: TreeOptions = {}): string[] {
  return diffFacts(treeFacts(a, opts), treeFacts(b, opts));
}

/** The differences between two sets of facts, as diffTrees reports them. */
export function diffFacts(a: Map<string, string>, b: Map<string, string>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort(compareEntryPaths);
  const diffs: string[] = [];
  for (const name of names) {
    const left = a.get(name);
    const right = b.get(name);
    if (left !== right) diffs.push(`${name}:\n  - ${left ?? '(absent)'}\n  + ${right ?? '(absent)'}`);
  }
  return diffs;
}

interface Walked {
  name: string;
  path: string;
  stat: fs.BigIntStats;
}

function walk(dir: string, prefix: string, exclude: Set<string>): Walked[] {
  const out: Walked[] = [];
  for (const child of fs.readdirSync(dir).sort()) {
    const name = prefix === '' ? child : `${prefix}/${child}`;
    if (exclude.has(name)) continue;
    const path = `${dir}/${child}`;
    const stat = fs.lstatSync(path, { bigint: true });
    out.push({ name, path, stat });
    if (stat.isDirectory()) out.push(...walk(path, name, exclude));
  }
  return out;
}

/** For each name that shares its inode with another name in the tree: the first such name. */
function hardlinkGroups(entries: Walked[]): Map<string, string> {
  const byInode = new Map<string, string[]>();
  for (const { name, stat } of entries) {
    if (stat.isDirectory()) continue;
    const key = `${stat.dev}:${stat.ino}`;
    byInode.set(key, [...(byInode.get(key) ?? []), name]);
  }
  const groups = new Map<string, string>();
  for (const names of byInode.values()) {
    if (names.length < 2) continue;
    const first = [...names].sort(compareEntryPaths)[0] ?? '';
    for (const name of names) groups.set(name, first);
  }
  return groups;
}

function describe(path: string, stat: fs.BigIntStats, group: string | undefined, opts: TreeOptions): string {
  const type = entryType(stat) ?? 'socket';
  const facts = [type, `mode=${(stat.mode & 0o7777n).toString(8).padStart(4, '0')}`, `owner=${stat.uid}:${stat.gid}`];
  if (type === 'char' || type === 'block') facts.push(`rdev=${major(stat.rdev)}:${minor(stat.rdev)}`);
  if (type === 'file') facts.push(`size=${stat.size}`, `sha256=${digest(path)}`);
  if (type === 'symlink') facts.push(`target=${JSON.stringify(fs.readlinkSync(path))}`);
  if (group !== undefined) facts.push(`hardlink-group=${JSON.stringify(group)}`);
  const xattrs = llistxattr(path).sort().map((name) => `${name}=${lgetxattr(path, name)?.toString('hex') ?? ''}`);
  if (xattrs.length > 0) facts.push(`xattrs={${xattrs.join(',')}}`);
  const mtimes = opts.mtimes ?? 'all';
  if (mtimes === 'all' || (mtimes === 'non-directories' && type !== 'directory')) facts.push(`mtime=${stat.mtimeNs}`);
  if (opts.ctime === true) facts.push(`ctime=${stat.ctimeNs}`, `nlink=${stat.nlink}`, `ino=${stat.ino}`);
  return facts.join(' ');
}

/** sha256 of a file, read in chunks so a big tree does not need its files in memory. */
function digest(path: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
