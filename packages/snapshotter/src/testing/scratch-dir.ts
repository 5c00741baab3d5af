import fs from 'node:fs';
import type { ExecutionContext } from 'ava';

/**
 * A fresh directory on tmpfs for one test, removed when the test ends, pass or fail.
 * (The same helper as @layerctl/sys's testing/scratch.ts, which that package does not export.)
 */
export function scratchDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
