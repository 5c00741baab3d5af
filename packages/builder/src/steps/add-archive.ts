import fs from 'node:fs';
import path from 'node:path';
import { applyLayer, decompressAuto, readTar, writeTar, type TarInput } from '@layerctl/snapshotter';
import { makeDirectoryInRoot } from './copy-files.ts';

/** Where a ustar or PAX header says "ustar" (GNU tar writes "ustar  "), and how many bytes that takes to see. */
const USTAR_MAGIC_OFFSET = 257;
const USTAR_MAGIC = 'ustar';

/**
 * Whether ADD should unpack `file`: a tar archive, plain or compressed (gzip, zstd), told by its
 * content as Docker does, not by its name. Reads only the first block through the decompressor.
 */
export async function isLocalArchive(file: string): Promise<boolean> {
  const stream = decompressAuto(fs.createReadStream(file), { what: file });
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      head = Buffer.concat([head, Buffer.from(chunk)]).subarray(0, USTAR_MAGIC_OFFSET + USTAR_MAGIC.length);
      if (head.length >= USTAR_MAGIC_OFFSET + USTAR_MAGIC.length) break;
    }
  } finally {
    stream.destroy();
  }
  return head.subarray(USTAR_MAGIC_OFFSET).toString('latin1') === USTAR_MAGIC;
}

/**
 * ADD of a local archive: its entries unpacked under `destination` (relative to the image root)
 * with the archive's owners and modes, through the archive's safe extraction, so no entry lands
 * outside the rootfs however it is named.
 */
export async function addArchive(rootfs: string, file: string, destination: string): Promise<void> {
  makeDirectoryInRoot(rootfs, destination);
  const rename = (name: string): string => (destination === '' ? name : path.posix.join(destination, name));
  async function* renamed(): AsyncGenerator<TarInput> {
    for await (const { header, body } of readTar(decompressAuto(fs.createReadStream(file), { what: file }))) {
      const linkname = header.type === 'hardlink' ? rename(header.linkname) : header.linkname;
      yield { header: { ...header, name: rename(header.name), linkname }, body: header.type === 'file' ? body : undefined };
    }
  }
  await applyLayer(rootfs, writeTar(renamed()));
}
