/**
 * Go's path.Clean for '/'-separated paths, the normal form Docker gives .dockerignore patterns and
 * COPY sources: repeated slashes become one, `.` elements go, `x/..` pairs cancel, `..` at the
 * start of a rooted path goes, a trailing slash goes; the empty result is '.'.
 */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out.at(-1) !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}
