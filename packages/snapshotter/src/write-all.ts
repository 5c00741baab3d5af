import type { FileHandle } from 'node:fs/promises';

/**
 * Writes all of `chunk`: FileHandle.write makes one write(2), which may write less (a disk that
 * fills up writes what fits and fails on the next call), and says so only in bytesWritten.
 */
export async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) offset += (await handle.write(chunk, offset)).bytesWritten;
}
