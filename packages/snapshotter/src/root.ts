import fs from 'node:fs';
import path from 'node:path';
import { makeDirectories } from '@layerctl/sys';
import { ContentStore } from './content/content-store.ts';
import { MetadataStore } from './metadata/metadata-store.ts';
import { processAlive } from './process-alive.ts';
import { tempNameOwner } from './temp-name.ts';

/** The folders and files of a root that openRoot manages (DESIGN.md "On disk"). */
export const CONTENT_DIR = 'content';
export const TMP_DIR = 'tmp';
export const METADATA_FILE = 'metadata.db';

/** Everything below the root is layerctl's own; nobody else needs to read it. */
const ROOT_MODE = 0o700;

/** One layerctl state directory, opened: its content store, its metadata and its scratch space. */
export interface Root {
  dir: string;
  tmpDir: string;
  content: ContentStore;
  metadata: MetadataStore;
  close(): void;
}

/**
 * Opens (creating as needed) the root at `dir` and sweeps tmp/ of what dead processes left behind.
 * Scratch names carry their owner's pid (temp-name.ts), so a concurrent command's work in progress
 * is never touched; names that do not follow that form are left for `layerctl gc`.
 */
export function openRoot(dir: string): Root {
  const tmpDir = path.join(dir, TMP_DIR);
  for (const folder of [dir, path.join(dir, CONTENT_DIR), tmpDir]) makeDirectories(folder, ROOT_MODE);
  sweepTmp(tmpDir);
  const content = ContentStore.open(path.join(dir, CONTENT_DIR), tmpDir);
  const metadata = MetadataStore.open(path.join(dir, METADATA_FILE));
  return { dir, tmpDir, content, metadata, close: () => metadata.close() };
}

/** Deletes the scratch files and folders in tmpDir whose owning process is gone. */
function sweepTmp(tmpDir: string): void {
  for (const name of fs.readdirSync(tmpDir)) {
    const owner = tempNameOwner(name);
    if (owner !== undefined && !processAlive(owner)) fs.rmSync(path.join(tmpDir, name), { recursive: true, force: true });
  }
}
