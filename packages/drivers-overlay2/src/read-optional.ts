import fs from 'node:fs';
import { wrapNodeError } from '@layerctl/sys';

/** A small file's text, or undefined when it does not exist; other failures are SysErrors naming the path. */
export function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw wrapNodeError(err, file);
  }
}
