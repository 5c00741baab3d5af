/* Paths resolved inside the container's root as if it were `/` (openat2 with RESOLVE_IN_ROOT),
 * as packages/sys/src/open-in-root.ts does for the host side: `..` stops at the root, an absolute
 * symlink in the image (`/etc -> /host/etc`) is taken inside the root, magic links are refused.
 * So an image whose /etc, /proc or /dev is a symlink to a host path mounts inside itself. */
#ifndef LAYERCTL_INIT_IN_ROOT_H
#define LAYERCTL_INIT_IN_ROOT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Opens `file` inside the root open at root_fd (O_CLOEXEC added); -1 with errno on failure. */
int open_in_root(int root_fd, const char *file, int flags);
/* Whether `file` exists inside the root (symlinks followed inside it); other errors fail the init. */
bool exists_in_root(int root_fd, const char *file);
/* mkdir -p inside the root; a dangling symlink gets its target made, inside the root too. */
void mkdir_in_root(int root_fd, const char *dir, mode_t mode);
/* mknod inside the root (parent made first); a dangling symlink at the name gets its target made. */
void mknod_in_root(int root_fd, const char *file, mode_t mode, dev_t dev);
/* "/proc/self/fd/N": the path through which a descriptor is named to calls that take paths. */
const char *proc_fd_path(int fd, char *buf, size_t size);

#endif
