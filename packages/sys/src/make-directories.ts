import fs from 'node:fs';
import path from 'node:path';
import { errorCode } from './error-code.ts';
import { wrapNodeError } from './wrap-node-error.ts';

/**
 * `mkdir -p`: creates `dir` and its missing parents with `mode`. Node's recursive mkdirSync loops
 * forever where mkdir fails with ENOENT although the parent exists (/proc/x, a dead symlink's
 * target): it creates the parent (EEXIST), retries and gets ENOENT again. Here the second ENOENT is
 * an error naming the directory. A path that exists as something else than a directory is EEXIST.
 */
export function makeDirectories(dir: string, mode: number): void {
  try {
    fs.mkdirSync(dir, { mode });
    return;
  } catch (error) {
    if (errorCode(error) === 'EEXIST' && fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true) return;
    if (errorCode(error) !== 'ENOENT' || path.dirname(dir) === dir) throw wrapNodeError(error, dir);
  }
  makeDirectories(path.dirname(dir), mode);
  try {
    fs.mkdirSync(dir, { mode });
  } catch (error) {
    if (errorCode(error) === 'EEXIST' && fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true) return; // made meanwhile by another process
    throw wrapNodeError(error, dir);
  }
}
