import { createHash } from 'node:crypto';
import fs, { type Stats } from 'node:fs';
import path from 'node:path';
import { readOptional, type Root, tempName } from '@layerctl/snapshotter';
import { readDirOptional, wrapNodeError } from '@layerctl/sys';
import { BUILDS_DIR } from '../build/build-workspace.ts';

/** The folder under a root's builds/ that holds one file of remembered sums per context directory. */
export const CONTEXT_SUMS_DIR = 'context-sums';

/** Bumped when what a remembered sum means changes: an older file is then ignored as a whole. */
const SUMS_VERSION = 1;

/**
 * An entry is remembered only once its last change is this old. Timestamps move in clock ticks,
 * so a file written again within the tick its sums were taken in would show the same stat key
 * with other content (git's "racily clean" entries); after this, any change moves the key.
 */
export const SETTLE_MS = 2000;

/** What is costly to learn about a context entry, remembered under its stat key. */
export interface EntrySum {
  /** name -> base64 value, in name order. */
  xattrs: [string, string][];
  /** blake3 hex of a regular file's content. */
  content?: string;
}

interface Remembered extends EntrySum {
  key: string;
}

/**
 * Sums of the context's entries from earlier builds, as BuildKit keeps them: an entry's
 * extended attributes and content digest are reused while its stat key (device, inode, size,
 * mtime and ctime, to the microsecond) is the same. Any write to the content moves mtime and ctime;
 * chmod, chown and xattr changes move ctime; a file replaced by another has another inode.
 * So a cached rebuild stats each entry and reads nothing else.
 *
 * One JSON file per context directory in `<root>/builds/context-sums/`, read once per build
 * and written back (whole, by rename) only when it learned something. Two builds writing at once
 * each write a correct file; the last one wins. A file that does not parse is ignored.
 */
export class ContextSums {
  readonly #file: string;
  readonly #contextDir: string;
  readonly #tmpDir: string;
  readonly #now: () => number;
  #entries: Map<string, Remembered> | undefined;
  #changed = false;

  constructor(buildsDir: string, contextDir: string, now: () => number = Date.now) {
    const name = createHash('sha256').update(path.resolve(contextDir)).digest('hex').slice(0, 32);
    this.#contextDir = path.resolve(contextDir);
    this.#file = path.join(buildsDir, CONTEXT_SUMS_DIR, `${name}.json`);
    this.#tmpDir = buildsDir;
    this.#now = now;
  }

  /** What was remembered for the entry at `absolutePath` while it still has these stats. */
  get(absolutePath: string, stats: Stats): EntrySum | undefined {
    const remembered = this.#load().get(absolutePath);
    return remembered?.key === statKey(stats) ? remembered : undefined;
  }

  /** Remembers `sum` for the entry, unless it changed too recently to be told apart from a later change. */
  set(absolutePath: string, stats: Stats, sum: EntrySum): void {
    if (this.#now() - Math.max(stats.ctimeMs, stats.mtimeMs) < SETTLE_MS) return;
    this.#load().set(absolutePath, { key: statKey(stats), ...sum });
    this.#changed = true;
  }

  /**
   * Writes what this build learned, without the entries of files gone from the context since
   * (one lstat each, only when there is something to write); nothing when it learned nothing.
   */
  save(): void {
    if (!this.#changed || this.#entries === undefined) return;
    for (const name of this.#entries.keys()) {
      if (fs.lstatSync(name, { throwIfNoEntry: false }) === undefined) this.#entries.delete(name);
    }
    fs.mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    const temp = path.join(this.#tmpDir, tempName(CONTEXT_SUMS_DIR));
    try {
      fs.writeFileSync(temp, JSON.stringify({ version: SUMS_VERSION, context: this.#contextDir, entries: Object.fromEntries(this.#entries) }));
      fs.renameSync(temp, this.#file);
    } catch (err) {
      fs.rmSync(temp, { force: true });
      throw wrapNodeError(err, this.#file);
    }
    this.#changed = false;
  }

  #load(): Map<string, Remembered> {
    this.#entries ??= readSums(this.#file);
    return this.#entries;
  }
}

/**
 * Removes the remembered sums of build contexts that no longer exist (gc): a file's sums are
 * named by a hash of its context's path, so only the `context` it records tells which it is.
 * A file that does not say (torn, foreign) goes too; it was only a hint. Returns how many went.
 */
export function pruneContextSums(root: Pick<Root, 'dir'>): number {
  const dir = path.join(root.dir, BUILDS_DIR, CONTEXT_SUMS_DIR);
  let removed = 0;
  for (const entry of readDirOptional(dir) ?? []) {
    const file = path.join(dir, entry.name);
    const context = recordedContext(readOptional(file));
    if (context !== undefined && fs.existsSync(context)) continue;
    fs.rmSync(file, { force: true });
    removed++;
  }
  return removed;
}

function recordedContext(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) && typeof parsed['context'] === 'string' && path.isAbsolute(parsed['context']) ? parsed['context'] : undefined;
  } catch {
    return undefined;
  }
}

function statKey(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** The remembered entries, or none when the file is missing, from another version, or not ours. */
function readSums(file: string): Map<string, Remembered> {
  const text = readOptional(file);
  if (text === undefined) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A torn or foreign file is only a lost hint: every entry is summed again and the file rewritten.
    return new Map();
  }
  const entries = new Map<string, Remembered>();
  if (!isRecord(parsed) || parsed['version'] !== SUMS_VERSION || !isRecord(parsed['entries'])) return entries;
  for (const [name, value] of Object.entries(parsed['entries'])) {
    const entry = remembered(value);
    if (entry === undefined) return new Map();
    entries.set(name, entry);
  }
  return entries;
}

function remembered(value: unknown): Remembered | undefined {
  if (!isRecord(value) || typeof value['key'] !== 'string' || !Array.isArray(value['xattrs'])) return undefined;
  const xattrs: [string, string][] = [];
  for (const pair of value['xattrs']) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return undefined;
    xattrs.push([pair[0], pair[1]]);
  }
  const content = value['content'];
  if (content !== undefined && (typeof content !== 'string' || !/^[0-9a-f]{64}$/.test(content))) return undefined;
  return content === undefined ? { key: value['key'], xattrs } : { key: value['key'], xattrs, content };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
