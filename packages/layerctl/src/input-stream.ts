import { open } from 'node:fs/promises';
import { InvalidArgumentError, UsageError, wrapNodeError } from '@layerctl/sys';
import { isDash } from './dash.ts';

/**
 * The bytes of `file`, or of stdin for `-`, as a stream that is read only as fast as it is
 * consumed. The file is opened and checked here, so a missing file or a directory fails with its
 * name before any work starts.
 */
export async function inputStream(file: string): Promise<AsyncIterable<Buffer>> {
  if (isDash(file)) {
    if (process.stdin.isTTY) throw new UsageError('refusing to read an archive from a terminal; name a file or pipe one in');
    return process.stdin;
  }
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw wrapNodeError(error, file);
  });
  const stats = await handle.stat();
  if (stats.isDirectory()) {
    await handle.close();
    throw new InvalidArgumentError(`${file} is a directory, not an archive`);
  }
  return handle.createReadStream();
}

/** How messages name the input: the file, or "stdin". */
export function inputName(file: string): string {
  return isDash(file) ? 'stdin' : file;
}
