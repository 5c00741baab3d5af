import fs from 'node:fs';
import { errorCode } from './error-code.ts';
import { wrapNodeError } from './wrap-node-error.ts';

/**
 * A directory's entries, or undefined when it does not exist (or goes while it is read); other
 * failures are SysErrors naming the path.
 */
export function readDirOptional(dir: string): fs.Dirent[] | undefined {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw wrapNodeError(err, dir);
  }
}
