import fs from 'node:fs';

/**
 * The mount table of this process's mount namespace, read from /proc/self/mountinfo.
 *
 * stat() cannot tell a mount point (a bind mount shares st_dev with its source), so whether a
 * path is mounted is read here, in one place.
 */
const MOUNTINFO = '/proc/self/mountinfo';

/** One mount of the table: where it is and the type of filesystem. */
export interface MountEntry {
  target: string;
  fsType: string;
}

/** Every mount of this mount namespace, in mount order: read once where several questions are asked. */
export function mountTable(): MountEntry[] {
  return mountinfoLines().map((line) => ({
    target: unescapeMountinfo(line.split(' ')[4] ?? ''),
    // After the optional fields comes " - fstype source options".
    fsType: line.split(' - ')[1]?.split(' ')[0] ?? '',
  }));
}

/** The mount points of this mount namespace, in mount order (field 5 of mountinfo). */
export function mountPoints(): string[] {
  return mountTable().map((entry) => entry.target);
}

/** Whether `target` (a real path: symlinks resolved) is a mount point in this mount namespace. */
export function isMountPoint(target: string): boolean {
  return mountPoints().includes(target);
}

/** The filesystem type mounted at `target` (the topmost mount there), or undefined. */
export function fsTypeAt(target: string, table: readonly MountEntry[] = mountTable()): string | undefined {
  return table.findLast((entry) => entry.target === target)?.fsType;
}

function mountinfoLines(): string[] {
  return fs.readFileSync(MOUNTINFO, 'utf8').split('\n').filter((line) => line !== '');
}

// The kernel writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
