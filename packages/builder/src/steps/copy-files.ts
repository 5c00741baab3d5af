import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { mkdirInRoot } from '@layerctl/sys';
import { applyLayer, packChanges, readTar, writeTar, type TarInput } from '@layerctl/snapshotter';

/** One path to copy: where it is below the source root, and where it lands in the image. */
export interface CopyEntry {
  /** Relative to the source root ('/'-separated); never '' (the root itself is not an entry). */
  path: string;
  /** Relative to the image root. */
  target: string;
}

/** The owner and mode COPY --chown / --chmod give every entry. */
export interface CopyOwnership {
  uid: number;
  gid: number;
  /** Permission bits for every file and directory copied; undefined keeps the source's. */
  mode?: number;
}

/**
 * Copies `entries` from `sourceRoot` into `rootfs` (the step's mounted snapshot). They are
 * packed as tar entries renamed to their targets and applied with the archive's safe extraction,
 * so a symlink in the image (say /app -> /etc) resolves inside the rootfs and nothing is written
 * outside it; parents that do not exist are made. Owner is root or --chown, mode the source's or
 * --chmod; times are kept (SOURCE_DATE_EPOCH clamps them in the layer). Hardlinks between copied
 * files stay hardlinks.
 */
export async function copyEntries(rootfs: string, sourceRoot: string, entries: readonly CopyEntry[], ownership: CopyOwnership): Promise<void> {
  if (entries.length === 0) return;
  await applyLayer(rootfs, renamedTar(sourceRoot, entries, ownership));
}

function renamedTar(sourceRoot: string, entries: readonly CopyEntry[], ownership: CopyOwnership): Readable {
  const targets = new Map(entries.map((entry) => [entry.path, entry.target]));
  const rename = (name: string): string => targets.get(name) ?? name;
  async function* renamed(): AsyncGenerator<TarInput> {
    for await (const { header, body } of readTar(packChanges(sourceRoot, entries.map((entry) => ({ kind: 'add' as const, path: entry.path }))))) {
      const linkname = header.type === 'hardlink' ? rename(header.linkname) : header.linkname;
      const mode = ownership.mode !== undefined && header.type !== 'symlink' ? ownership.mode : header.mode;
      yield {
        header: { ...header, name: rename(header.name), linkname, uid: ownership.uid, gid: ownership.gid, uname: '', gname: '', mode },
        body: header.type === 'file' ? body : undefined,
      };
    }
  }
  return writeTar(renamed());
}

/** mkdir -p of `dir` (relative to the image root) inside `rootfs`, following the image's symlinks inside it only. */
export function makeDirectoryInRoot(rootfs: string, dir: string): void {
  const rootFd = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    mkdirInRoot(rootFd, `/${dir}`);
  } finally {
    fs.closeSync(rootFd);
  }
}
