/**
 * The path through which a descriptor is named to calls that take paths (mount(2), chmod):
 * /proc/self/fd/N is a magic link to the very object the descriptor holds, so the call acts on
 * what was resolved inside the root, not on a path the image could redirect in between.
 */
export function procFdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}
