import fs from 'node:fs';
import { wrapNodeError } from './wrap-node-error.ts';

/**
 * Makes a directory's entries durable: after a rename or create inside `path`, the new name
 * survives a crash only once the directory itself is fsynced (fsync(2), "Notes").
 */
export function fsyncDir(path: string): void {
  try {
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw wrapNodeError(err, path);
  }
}
