import { InvalidArgumentError } from '@layerctl/sys';

/**
 * Names in a layer tar are hostile until cleaned: they may be absolute, climb with '..', or hide
 * NUL bytes. A clean name is relative to the layer root, '/'-separated, with no '', '.' or '..'
 * component; '' names the root itself.
 */

/** The refusal every hostile entry gets: the entry as the tar names it, then why. */
export function entryError(entry: string, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`layer entry ${JSON.stringify(entry)}: ${reason}`);
}

/**
 * Cleans a name from a tar (or a change list): strips leading '/' and './', collapses '.' and
 * 'a/..', and refuses a '..' that would climb above the root, as containerd and moby do. `entry`
 * is what errors name, `what` what they call the name (a hardlink's target, say).
 */
export function cleanEntryPath(name: string, entry = name, what = 'path'): string {
  if (name.includes('\0')) throw entryError(entry, `${what} holds a NUL byte`);
  if (isClean(name)) return name;
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) throw entryError(entry, `${what} climbs out of the layer root`);
  }
  return parts.join('/');
}

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * True when `name` is clean already (no '', '.' or '..' component: no leading, trailing or double
 * '/'), as the names of nearly every tar are: one scan, no split and join. '' is clean (the root).
 */
function isClean(name: string): boolean {
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name.charCodeAt(i) !== SLASH) continue;
    const length = i - start;
    if (name.length > 0 && length === 0) return false;
    if (length <= 2 && length > 0 && name.charCodeAt(start) === DOT && (length === 1 || name.charCodeAt(start + 1) === DOT)) return false;
    start = i + 1;
  }
  return true;
}

/** The parent of a clean name ('' for a top-level name and for the root). */
export function parentOf(clean: string): string {
  const slash = clean.lastIndexOf('/');
  return slash < 0 ? '' : clean.slice(0, slash);
}

/** The last component of a clean name. */
export function baseOf(clean: string): string {
  return clean.slice(clean.lastIndexOf('/') + 1);
}

/**
 * Compares two clean names component by component, bytewise (UTF-8): the canonical order of a
 * layer, in which a directory comes right before its contents ('a', 'a/b', 'a-c'), as a
 * depth-first walk that sorts each directory gives them.
 */
export function compareEntryPaths(a: string, b: string): number {
  const pa = a === '' ? [] : a.split('/');
  const pb = b === '' ? [] : b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const order = compareNames(pa[i] ?? '', pb[i] ?? '');
    if (order !== 0) return order;
  }
  return pa.length - pb.length;
}

const UTF16_ORDER_DIFFERS = /[\uD800-\uFFFF]/;

/**
 * Bytewise order of two names as UTF-8. JavaScript's own '<' orders UTF-16 code units, which
 * agrees with UTF-8 except between surrogate pairs (past U+FFFF) and U+E000..U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  if (UTF16_ORDER_DIFFERS.test(a) || UTF16_ORDER_DIFFERS.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

