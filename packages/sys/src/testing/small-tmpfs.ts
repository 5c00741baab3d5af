import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { mount } from '../mount.ts';
import { scratchDir, unmountInTeardown } from './scratch.ts';

/**
 * A tmpfs of `bytes` bytes in a fresh scratch directory, unmounted when the test ends: a real
 * full disk, where a write(2) bigger than what is left writes what fits and the next fails ENOSPC.
 */
export function smallTmpfs(t: ExecutionContext, bytes: number): string {
  const dir = path.join(scratchDir(t), 'small');
  fs.mkdirSync(dir);
  mount('tmpfs', dir, 'tmpfs', 0, `size=${bytes}`);
  unmountInTeardown(t, dir);
  return dir;
}
