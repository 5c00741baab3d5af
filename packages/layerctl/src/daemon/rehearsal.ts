import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticBinary } from '@layerctl/executor';
import { FailedPreconditionError } from '@layerctl/sys';

const TRUE_SOURCE = fileURLToPath(new URL('../../native/rehearsal/true.c', import.meta.url));
const BINARY_CACHE = fileURLToPath(new URL('../../node_modules/.cache/layerctl-client', import.meta.url));
const LAYERCTL_BIN = fileURLToPath(new URL('../../bin/layerctl.js', import.meta.url));
const IMAGE = 'layerctl-rehearsal:latest';
const PROGRAM = '/true';

/**
 * The daemon's rehearsal: a store of its own beside the socket, holding a one-file image whose
 * program succeeds. Each warm worker runs that container (`run --rm --network none`) before it
 * waits for commands. V8 compiles a function when it first runs and optimizes what runs often, so
 * a worker that has run a container once runs the next one in about half the time; the rehearsal
 * is a real run in its own store, and leaves nothing behind but that store.
 */
export function rehearsalRoot(socket: string): string {
  return `${socket}.rehearsal`;
}

/** The command line a worker rehearses with, after making (again: it is idempotent) the rehearsal image. */
export function prepareRehearsal(socket: string, cgroupParent: string | undefined): string[] {
  const root = rehearsalRoot(socket);
  const stage = path.join(root, 'rootfs-stage');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true, mode: 0o700 });
  try {
    fs.copyFileSync(staticBinary([TRUE_SOURCE], 'true', BINARY_CACHE), path.join(stage, PROGRAM));
    fs.chmodSync(path.join(stage, PROGRAM), 0o755);
    const tar = path.join(root, 'rootfs.tar');
    execFileSync('tar', ['--owner=0', '--group=0', '-C', stage, '-cf', tar, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync(process.execPath, [LAYERCTL_BIN, '--root', root, 'import', tar, IMAGE], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new FailedPreconditionError(`the rehearsal image in ${root} could not be made: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  const parent = cgroupParent === undefined ? [] : ['--cgroup-parent', cgroupParent];
  return ['--root', root, 'run', '--rm', '--network', 'none', ...parent, IMAGE, PROGRAM];
}
