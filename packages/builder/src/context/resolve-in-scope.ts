import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, SysError, wrapNodeError } from '@layerctl/sys';

/** Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS in the kernel: 40). */
const MAX_SYMLINKS = 40;

/**
 * Resolves `relative` inside `root` as if `root` were `/` (moby's FollowSymlinkInScope): each
 * element is looked up in turn; a symlink is followed with its absolute target taken from `root`
 * and `..` stopping at `root`. So no link, however it is written, leads out of the context.
 * Returns the resolved path relative to `root` ('.' for root itself), or undefined when some
 * element does not exist. A loop of links is an error naming `relative`.
 */
export async function resolveInScope(root: string, relative: string): Promise<string | undefined> {
  const pending = relative.split('/').filter((part) => part !== '' && part !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() ?? '';
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    const target = await readLinkIfAny(path.join(root, ...candidate));
    if (target === null) return undefined;
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new InvalidArgumentError(`${relative}: too many levels of symbolic links in the build context`);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((element) => element !== '' && element !== '.'));
  }
  return resolved.length === 0 ? '.' : resolved.join('/');
}

/** The link's target; undefined when `file` exists and is no symlink; null when it does not exist. */
async function readLinkIfAny(file: string): Promise<string | undefined | null> {
  try {
    const stats = await fs.lstat(file);
    return stats.isSymbolicLink() ? await fs.readlink(file) : undefined;
  } catch (err) {
    const wrapped = wrapNodeError(err, file);
    // ENOTDIR: an element before this one is a file, so nothing is found below it.
    if (wrapped instanceof SysError && (wrapped.code === 'ENOENT' || wrapped.code === 'ENOTDIR')) return null;
    throw wrapped;
  }
}
