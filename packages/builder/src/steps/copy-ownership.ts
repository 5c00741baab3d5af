import fs from 'node:fs';
import { constants } from 'node:os';
import { SysError, openInRoot } from '@layerctl/sys';

const PASSWD_FILE = '/etc/passwd';
const GROUP_FILE = '/etc/group';

/**
 * The owner COPY/ADD --chown gives: root without the flag. Names are looked up in the image's
 * /etc/passwd and /etc/group, read inside the rootfs (an image's symlinks cannot point the lookup
 * at the host's files). As Docker documents, a user without a group, or a uid without a gid,
 * uses the uid as the gid too.
 */
export async function resolveOwnership(rootfs: string, chown: string | undefined): Promise<{ uid: number; gid: number }> {
  if (chown === undefined) return { uid: 0, gid: 0 };
  // The executor's user rules, loaded only when --chown asks for them.
  const { parseUserSpec, resolveUser } = await import('@layerctl/executor');
  const spec = parseUserSpec(chown);
  const rootFd = fs.openSync(rootfs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    const passwd = readInRoot(rootFd, PASSWD_FILE);
    const group = readInRoot(rootFd, GROUP_FILE);
    const user = resolveUser(chown, passwd, group);
    return { uid: user.uid, gid: spec.group === undefined ? user.uid : user.gid };
  } finally {
    fs.closeSync(rootFd);
  }
}

/** A small file of the image, or undefined when the image has none. */
function readInRoot(rootFd: number, file: string): string | undefined {
  let fd: number;
  try {
    fd = openInRoot(rootFd, file, fs.constants.O_RDONLY);
  } catch (err) {
    if (err instanceof SysError && err.errno === constants.errno.ENOENT) return undefined;
    throw err;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
