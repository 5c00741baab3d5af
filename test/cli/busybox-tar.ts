import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestFn } from 'ava';
import { FailedPreconditionError } from '@layerctl/sys';
import { CHECKOUT } from './run-layerctl.ts';

/** Builds the busybox base rootfs tarball with the fixture script, into `dir`; returns its path. */
export async function makeBusyboxTar(dir: string): Promise<string> {
  const tar = path.join(dir, 'busybox-rootfs.tar');
  await promisify(execFile)(path.join(CHECKOUT, 'fixtures/busybox/make-rootfs.sh'), [tar]);
  return tar;
}

/**
 * The busybox rootfs tarball, built once for a whole test file (before its first test) and
 * removed after its last; call at the top level of the file.
 */
export function busyboxTarForFile(test: TestFn): () => string {
  let dir: string | undefined;
  let tar: string | undefined;
  test.before(async () => {
    dir = fs.mkdtempSync('/dev/shm/layerctl-test-fixture-');
    tar = await makeBusyboxTar(dir);
  });
  test.after.always(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (tar === undefined) throw new FailedPreconditionError('the busybox fixture was not built; see the before hook');
    return tar;
  };
}
