import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '@layerctl/sys';
import type { Spec } from './runtime-spec.ts';

/** The spec's file name in a bundle directory, fixed by the OCI runtime spec. */
export const CONFIG_JSON = 'config.json';

/**
 * Writes `<dir>/config.json` atomically: a temporary file in the same directory, fsynced, renamed
 * over, and the directory fsynced, so a reader (or a crash) sees the old spec or the new, whole.
 */
export function writeBundle(dir: string, spec: Spec): void {
  const target = path.join(dir, CONFIG_JSON);
  const temp = path.join(dir, `.${CONFIG_JSON}.${process.pid}.tmp`);
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(spec, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, target);
  fsyncDir(dir);
}
