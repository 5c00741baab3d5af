import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError, wrapNodeError } from '@layerctl/sys';
import { errorCode } from '../error-code.ts';
import { entryPacker, type PackOptions } from './pack-entry.ts';
import { baseOf, cleanEntryPath, compareEntryPaths, parentOf } from './safe-path.ts';
import { joinReal } from './scoped-root.ts';
import { writeTar, type TarInput } from './tar/index.ts';
import { tarHeader } from './tar/tar-header.ts';
import { WHITEOUT_PREFIX } from './whiteout.ts';

/** One path that differs between a layer and its parent, as a driver's change list gives it. */
export interface Change {
  kind: 'add' | 'modify' | 'delete';
  /** Relative to the layer's directory, '/'-separated. */
  path: string;
}

/**
 * Whiteout files carry no content and no owner; their mode and time are fixed so the same
 * changes give the same bytes (moby stamps them with the current time, which defeats that).
 */
const WHITEOUT_MODE = 0o644;
const WHITEOUT_MTIME_NS = 0n;

/**
 * A changeset layer: each added or modified path as it is now under `dir`, each deleted path as
 * its whiteout `parent/.wh.name`. Only the paths listed are packed (a new directory's contents
 * are listed by the driver one by one). The changes are sorted into the canonical order of
 * packTree, which means the list is held in memory (paths only; contents are streamed), and
 * hardlinks between packed paths become hardlink entries as in packTree.
 */
export function packChanges(dir: string, changes: Iterable<Change> | AsyncIterable<Change>, opts: PackOptions = {}): Readable {
  return writeTar(changeEntries(dir, changes, opts));
}

interface SortedChange {
  kind: Change['kind'];
  /** The clean path the change is about. */
  path: string;
  /** The name its entry has in the tar: the path, or its whiteout. */
  name: string;
}

async function* changeEntries(dir: string, changes: Iterable<Change> | AsyncIterable<Change>, opts: PackOptions): AsyncGenerator<TarInput> {
  const sorted = await sortChanges(changes);
  const pack = entryPacker(opts);
  for (const change of sorted) {
    if (change.kind === 'delete') {
      yield { header: tarHeader({ name: change.name, type: 'file', mode: WHITEOUT_MODE, mtimeNs: WHITEOUT_MTIME_NS }) };
      continue;
    }
    const path = joinReal(dir, change.path);
    try {
      yield* pack(change.name, path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') {
        throw new NotFoundError(`change ${JSON.stringify(change.path)} (${change.kind}): ${path} does not exist`);
      }
      throw wrapNodeError(err);
    }
  }
}

async function sortChanges(changes: Iterable<Change> | AsyncIterable<Change>): Promise<SortedChange[]> {
  const byPath = new Map<string, SortedChange>();
  for await (const change of changes) {
    const path = cleanEntryPath(change.path);
    if (path === '') throw new InvalidArgumentError(`change ${JSON.stringify(change.path)} (${change.kind}): names the layer root itself`);
    if (byPath.has(path)) throw new InvalidArgumentError(`change ${JSON.stringify(change.path)}: listed twice`);
    byPath.set(path, { kind: change.kind, path, name: change.kind === 'delete' ? whiteoutName(path) : path });
  }
  return [...byPath.values()].sort((a, b) => compareEntryPaths(a.name, b.name));
}

/** `a/b` → `a/.wh.b`. */
function whiteoutName(path: string): string {
  const parent = parentOf(path);
  const hidden = `${WHITEOUT_PREFIX}${baseOf(path)}`;
  return parent === '' ? hidden : `${parent}/${hidden}`;
}
