import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '@layerctl/sys';
import type { Compression } from '../archive/compression.ts';
import { writeTar } from '../archive/tar/index.ts';
import { openLease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { tempName } from '../temp-name.ts';
import { dockerArchiveEntries } from './docker-archive.ts';
import { planExport } from './export-plan.ts';
import { ociArchiveEntries } from './oci-archive.ts';

export type ArchiveFormat = 'oci' | 'docker';

export interface SaveOptions {
  format: ArchiveFormat;
  /**
   * Layer compression in the archive. Undefined keeps how each layer is stored for OCI, and means
   * 'none' for docker (an uncompressed layer.tar is what docker-archive readers expect).
   */
  compression?: Compression;
}

/**
 * `layerctl save`: the images `refs` name, as one OCI layout or docker save archive, streamed to
 * `output` (a stream, or a file path written aside and renamed into place when complete).
 */
export async function saveImages(root: Root, refs: string[], output: Writable | string, opts: SaveOptions): Promise<void> {
  if (refs.length === 0) throw new InvalidArgumentError('save: name at least one image');
  const compression = opts.compression ?? (opts.format === 'docker' ? 'none' : undefined);
  const lease = openLease(root.metadata);
  try {
    const set = await planExport(root, refs, compression, lease);
    const entries = opts.format === 'oci' ? ociArchiveEntries(root, set) : dockerArchiveEntries(root, set);
    await writeArchive(writeTar(entries), output);
  } finally {
    lease.release();
  }
}

async function writeArchive(archive: Readable, output: Writable | string): Promise<void> {
  if (typeof output !== 'string') {
    await pipeline(archive, output);
    return;
  }
  // Beside the target, so the rename stays on one filesystem; a failed save leaves no partial file.
  const partial = path.join(path.dirname(output), `.${tempName('save')}`);
  try {
    await pipeline(archive, fs.createWriteStream(partial, { flags: 'wx', mode: 0o644, flush: true }));
    fs.renameSync(partial, output);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}
