import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { wrapNodeError } from '@layerctl/sys';
import { entryPacker, type EntryPacker, type PackOptions } from './pack-entry.ts';
import { compareNames } from './safe-path.ts';
import { writeTar, type TarInput } from './tar/index.ts';
import { joinReal } from './scoped-root.ts';

/**
 * A full layer: everything under `dir` (not `dir` itself) as an OCI layer tar, streamed.
 *
 * The order is canonical: each directory's entries sorted bytewise by name, a directory followed
 * by its contents (depth first), so the same tree always gives the same bytes. Regular files,
 * directories, symlinks, hardlinks, char and block devices and FIFOs are packed; sockets are left
 * out, a tar cannot hold them. The walk is lazy and file contents are read as the tar is
 * consumed, so memory stays flat however big the tree.
 */
export function packTree(dir: string, opts: PackOptions = {}): Readable {
  return writeTar(treeEntries(dir, opts));
}

async function* treeEntries(dir: string, opts: PackOptions): AsyncGenerator<TarInput> {
  try {
    yield* walk(dir, '', entryPacker(opts));
  } catch (err) {
    throw wrapNodeError(err);
  }
}

function* walk(dir: string, prefix: string, pack: EntryPacker): Generator<TarInput> {
  const children = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareNames(a.name, b.name));
  for (const child of children) {
    const name = prefix === '' ? child.name : `${prefix}/${child.name}`;
    const path = joinReal(dir, child.name);
    const entries = pack(name, path);
    yield* entries;
    // A directory the whiteout converter leaves out (a driver's bookkeeping) is left out whole.
    if (child.isDirectory() && entries.length > 0) yield* walk(path, name, pack);
  }
}
