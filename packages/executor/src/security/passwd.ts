/**
 * Parsers for an image's /etc/passwd and /etc/group. The text comes from inside an image, so
 * it is hostile: a line that is not a well-formed entry (missing fields, an id that is not a
 * decimal number in range, a NUL byte) is skipped rather than guessed at. Docker's parser reads a
 * garbage uid as 0 (root); skipping such a line instead can only make a lookup fail, never
 * hand out root.
 */

/** The largest uid/gid Docker accepts (moby/sys/user's maxID: int32 max). */
export const MAX_ID = 0x7fffffff;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const DECIMAL = /^[0-9]{1,10}$/;

/** A decimal id in Docker's range, or undefined: "+1", "-1", "0x10", "" and 2^31 are not ids. */
export function parseId(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}

/** The lines of a file that can be entries: no blank lines, no comments, nothing with a NUL. */
function entryLines(text: string): string[][] {
  const rows: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.includes('\0')) continue;
    rows.push(line.split(':'));
  }
  return rows;
}

/** passwd(5): name:password:uid:gid:gecos:home:shell. Lines short of the gid are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const fields of entryLines(text)) {
    const [name = '', , uidText = '', gidText = '', , home = ''] = fields;
    const uid = parseId(uidText);
    const gid = parseId(gidText);
    if (name === '' || uid === undefined || gid === undefined) continue;
    entries.push({ name, uid, gid, home });
  }
  return entries;
}

/** group(5): name:password:gid:member,member. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const fields of entryLines(text)) {
    const [name = '', , gidText = '', memberText = ''] = fields;
    const gid = parseId(gidText);
    if (name === '' || gid === undefined) continue;
    const members = memberText
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    entries.push({ name, gid, members });
  }
  return entries;
}
