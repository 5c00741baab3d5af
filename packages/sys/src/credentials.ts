import { check } from './check.ts';
import { InvalidArgumentError } from './errors.ts';
import { lazyBinding } from './libc.ts';

/** The largest id the kernel accepts; (uid_t)-1 means "unchanged" to the set*id calls. */
const MAX_ID = 0xfffffffe;

interface CredBinding {
  setgroups(size: number, list: Uint32Array): number;
  setresgid(rgid: number, egid: number, sgid: number): number;
  setresuid(ruid: number, euid: number, suid: number): number;
}

const binding = lazyBinding<CredBinding>((lib) => ({
  setgroups: lib.func('int setgroups(size_t size, const uint32_t *list)'),
  setresgid: lib.func('int setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid)'),
  setresuid: lib.func('int setresuid(uint32_t ruid, uint32_t euid, uint32_t suid)'),
}));

function checkId(id: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw new InvalidArgumentError(`${what} ${id} is not a valid id (0-${MAX_ID})`);
  }
  return id;
}

/*
 * glibc's setgroups and set*id apply the change to every thread of the process (it signals each
 * one), as POSIX wants; the kernel calls alone would change only the calling thread. Node's
 * worker threads therefore follow the main thread.
 */

/** setgroups(2): the supplementary groups become exactly `gids` (empty clears them). */
export function setgroups(gids: readonly number[]): void {
  const list = Uint32Array.from(gids, (g) => checkId(g, 'supplementary gid'));
  check(binding().setgroups(list.length, list), 'setgroups', gids.join(','));
}

/** setresgid(2) with real, effective and saved gid all set to `gid`. */
export function setresgid(gid: number): void {
  checkId(gid, 'gid');
  check(binding().setresgid(gid, gid, gid), 'setresgid', String(gid));
}

/** setresuid(2) with real, effective and saved uid all set to `uid`. */
export function setresuid(uid: number): void {
  checkId(uid, 'uid');
  check(binding().setresuid(uid, uid, uid), 'setresuid', String(uid));
}
