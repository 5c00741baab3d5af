import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '@layerctl/sys';
import type { Compression } from '../archive/compression.ts';
import { writeTar } from '../archive/tar/index.ts';
import { openLease } from '../metadata/leases.ts';
import type { Root } from '../root.ts';
import { dockerArchiveEntries } from './docker-archive.ts';
import { planExport } from './export-plan.ts';
import { ociArchiveEntries } from './oci-archive.ts';
import { SaveTarget } from './save-target.ts';

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
 * `output` (a stream, or a file path: see SaveTarget, opened before any work starts).
 */
export async function saveImages(root: Root, refs: string[], output: Writable | string, opts: SaveOptions): Promise<void> {
  if (refs.length === 0) throw new InvalidArgumentError('save: name at least one image');
  const compression = opts.compression ?? (opts.format === 'docker' ? 'none' : undefined);
  if (typeof output !== 'string') return saveTo(root, refs, output, opts.format, compression);
  const target = await SaveTarget.open(output);
  try {
    await saveTo(root, refs, target, opts.format, compression);
  } finally {
    await target.discard();
  }
}

async function saveTo(root: Root, refs: string[], sink: Writable | SaveTarget, format: ArchiveFormat, compression: Compression | undefined): Promise<void> {
  const lease = openLease(root.metadata);
  try {
    const set = await planExport(root, refs, compression, lease);
    const archive = writeTar(format === 'oci' ? ociArchiveEntries(root, set) : dockerArchiveEntries(root, set));
    if (sink instanceof SaveTarget) await sink.write(archive);
    else await pipeline(archive, sink);
  } finally {
    lease.release();
  }
}
