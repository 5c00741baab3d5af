import fs from 'node:fs';

/** The mount points of this mount namespace, from /proc/self/mountinfo (field 5, octal escapes undone). */
export function mountPoints(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => unescapeMountinfo(line.split(' ')[4] ?? ''));
}

/** The filesystem type mounted at `target` (the topmost mount there), or undefined. */
export function fsTypeAt(target: string): string | undefined {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const line = lines.findLast((l) => unescapeMountinfo(l.split(' ')[4] ?? '') === target);
  // After the optional fields comes " - fstype source options".
  return line?.split(' - ')[1]?.split(' ')[0];
}

// The kernel writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
