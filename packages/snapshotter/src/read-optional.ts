import fs from 'node:fs';
import { errorCode } from './error-code.ts';
import { wrapNodeError } from '@layerctl/sys';

/** A small file's text, or undefined when it does not exist; other failures are SysErrors naming the path. */
export function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw wrapNodeError(err, file);
  }
}
