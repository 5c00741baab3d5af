import { InvalidArgumentError, NotFoundError } from '@layerctl/sys';
import { MAX_ID, parseGroup, parseId, parsePasswd } from './passwd.ts';

/** Where the texts handed to resolveUser come from; named in errors so a user knows which file to fix. */
const PASSWD_FILE = '/etc/passwd';
const GROUP_FILE = '/etc/group';
/** HOME when the user has no passwd entry (Docker's default). */
const DEFAULT_HOME = '/';

export interface UserSpec {
  /** A name or a decimal uid; '' means the default user, root. */
  user: string;
  /** A name or a decimal gid; undefined when the spec has no ':group' part. */
  group?: string;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups: the /etc/group entries that list the user's name (only without an explicit group). */
  additionalGids: number[];
  /** The passwd home directory, for HOME; '/' without an entry. */
  home: string;
}

/**
 * Splits Docker's `--user` / USER value: "name", "uid", "name:group", "uid:gid", "name:gid",
 * "uid:group". A spec with more than one ':' is refused (Docker silently drops the rest).
 */
export function parseUserSpec(spec: string): UserSpec {
  const parts = spec.split(':');
  if (parts.length > 2 || spec.includes('\0')) {
    throw new InvalidArgumentError(`user ${JSON.stringify(spec)}: expected user, user:group, uid or uid:gid`);
  }
  const [user = '', group] = parts;
  if (group === '') {
    throw new InvalidArgumentError(`user ${JSON.stringify(spec)}: the group after ':' is empty`);
  }
  return group === undefined ? { user } : { user, group };
}

/**
 * Docker's rules (moby/sys/user GetExecUser) for turning a user spec into ids, given the texts
 * of the image's /etc/passwd and /etc/group (undefined when the image has no such file). Pure:
 * the caller reads the files inside the rootfs.
 * - A decimal user is always a uid; without a passwd entry it is still allowed, with gid 0 and
 *   home '/'. A name must have an entry, else NotFoundError naming the user and the file.
 * - The first matching passwd entry wins and gives gid and home.
 * - An explicit group (name or gid) replaces the gid; a decimal gid needs no group entry, a name
 *   does. Without an explicit group, every group listing the matched user name is a supplementary group.
 */
export function resolveUser(userSpec: string, passwd: string | undefined, group: string | undefined): ResolvedUser {
  const spec = parseUserSpec(userSpec);
  const resolved: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: DEFAULT_HOME };
  const wantedUid = spec.user === '' ? 0 : parseId(spec.user);
  if (wantedUid === undefined && /^[0-9]+$/.test(spec.user)) {
    throw new InvalidArgumentError(`user ${JSON.stringify(userSpec)}: uid ${spec.user} is out of range (0-${MAX_ID})`);
  }
  const entry = parsePasswd(passwd ?? '').find((e) => (wantedUid === undefined ? e.name === spec.user : e.uid === wantedUid));
  if (entry !== undefined) {
    Object.assign(resolved, { uid: entry.uid, gid: entry.gid, home: entry.home === '' ? DEFAULT_HOME : entry.home });
  } else if (wantedUid !== undefined) {
    resolved.uid = wantedUid;
  } else {
    const where = passwd === undefined ? `the image has no ${PASSWD_FILE}` : `no matching entry in the image's ${PASSWD_FILE}`;
    throw new NotFoundError(`unable to find user ${spec.user}: ${where}`);
  }
  if (spec.group !== undefined) {
    resolved.gid = resolveGroup(spec.group, userSpec, group);
  } else if (entry !== undefined) {
    resolved.additionalGids = supplementaryGids(entry.name, group);
  }
  return resolved;
}

function resolveGroup(groupSpec: string, userSpec: string, group: string | undefined): number {
  const wantedGid = parseId(groupSpec);
  if (wantedGid === undefined && /^[0-9]+$/.test(groupSpec)) {
    throw new InvalidArgumentError(`user ${JSON.stringify(userSpec)}: gid ${groupSpec} is out of range (0-${MAX_ID})`);
  }
  const entry = parseGroup(group ?? '').find((g) => (wantedGid === undefined ? g.name === groupSpec : g.gid === wantedGid));
  if (entry !== undefined) return entry.gid;
  if (wantedGid !== undefined) return wantedGid;
  const where = group === undefined ? `the image has no ${GROUP_FILE}` : `no matching entry in the image's ${GROUP_FILE}`;
  throw new NotFoundError(`unable to find group ${groupSpec} (user ${userSpec}): ${where}`);
}

/** Every group that lists `name` as a member, in file order, each gid once. */
function supplementaryGids(name: string, group: string | undefined): number[] {
  const gids: number[] = [];
  for (const g of parseGroup(group ?? '')) {
    if (g.members.includes(name) && !gids.includes(g.gid)) gids.push(g.gid);
  }
  return gids;
}
