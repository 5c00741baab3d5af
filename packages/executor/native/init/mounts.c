/* Mounts, inside the root before pivot_root and by plain path after it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fail.h"
#include "in-root.h"
#include "init.h"

#define FD_PATH_BYTES 32

/* The plan says "" where mount(2) takes NULL. */
static const char *or_null(const char *text) {
  return text[0] == '\0' ? NULL : text;
}

static int root(const struct init_state *s, const char *op) {
  if (s->root_fd < 0) fail(EXIT_INIT_FAILED, "container init: %s before open_root", op);
  return s->root_fd;
}

void do_mount(const char *source, const char *target, const char *type, unsigned long flags, const char *data) {
  if (mount(or_null(source), target, or_null(type), flags, or_null(data)) != 0) {
    fail_errno(errno, "mount %s on %s", source[0] == '\0' ? type : source, target);
  }
}

void do_open_root(struct init_state *s, const char *path) {
  s->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (s->root_fd < 0) fail_errno(errno, "open rootfs %s", path);
}

/* An empty file for a file bind, unless something is there already. */
void do_mkfile_in_root(struct init_state *s, const char *path, mode_t mode) {
  int root_fd = root(s, "mkfile_in_root");
  if (!exists_in_root(root_fd, path)) mknod_in_root(root_fd, path, S_IFREG | mode, 0);
}

static int open_destination(int root_fd, const char *path, int directory) {
  int fd = open_in_root(root_fd, path, O_PATH | (directory ? O_DIRECTORY : 0));
  if (fd < 0) fail_errno(errno, "openat2 %s", path);
  return fd;
}

/* A device node made by mknod (not bound from the host), then given its mode and owner. */
void do_mknod_in_root(struct init_state *s, const char *path, mode_t mode, uint64_t dev, uid_t uid, gid_t gid) {
  int root_fd = root(s, "mknod_in_root");
  if (exists_in_root(root_fd, path)) return;
  mknod_in_root(root_fd, path, mode, (dev_t)dev);
  int fd = open_destination(root_fd, path, 0);
  char target[FD_PATH_BYTES];
  proc_fd_path(fd, target, sizeof target);
  if (chmod(target, mode & 07777) != 0) fail_errno(errno, "chmod %s", path);
  if (chown(target, uid, gid) != 0) fail_errno(errno, "chown %s", path);
  close(fd);
}

void do_symlink_in_root(struct init_state *s, const char *path, const char *target) {
  int root_fd = root(s, "symlink_in_root");
  if (exists_in_root(root_fd, path)) return;
  char parent[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (slash == NULL || slash[1] == '\0') fail(EXIT_INIT_FAILED, "container init: symlink_in_root %s: not an absolute file path", path);
  snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
  int dir_fd = open_destination(root_fd, parent[0] == '\0' ? "/" : parent, 1);
  // The new name is made literally inside the directory the descriptor holds.
  if (symlinkat(target, dir_fd, slash + 1) != 0) fail_errno(errno, "symlink %s", path);
  close(dir_fd);
}

/* The mount is made onto /proc/self/fd/N of the destination opened inside the root. */
void do_mount_in_root(struct init_state *s, const char *source, const char *destination, const char *type, unsigned long flags,
                      const char *data, int directory) {
  int fd = open_destination(root(s, "mount_in_root"), destination, directory);
  char target[FD_PATH_BYTES];
  proc_fd_path(fd, target, sizeof target);
  if (mount(or_null(source), target, or_null(type), flags, or_null(data)) != 0) {
    fail_errno(errno, "mount %s on %s", source[0] == '\0' ? (type[0] == '\0' ? "(remount)" : type) : source, destination);
  }
  close(fd);
}

/* Binds the init's terminal (its stdin, the pty slave) onto /dev/console, as runc does. By its
 * path, not through /proc/self/fd/0: that descriptor was opened in the host's mount namespace,
 * and a bind source must be a mount of the caller's own (the copy unshare made), else EINVAL. */
void do_console_in_root(struct init_state *s, const char *destination) {
  char slave[PATH_MAX];
  ssize_t n = readlink("/proc/self/fd/0", slave, sizeof slave - 1);
  if (n < 0) fail_errno(errno, "readlink /proc/self/fd/0 (the terminal)");
  slave[n] = '\0';
  do_mount_in_root(s, slave, destination, "", MS_BIND, "", 0);
}

/* pivot_root(".", ".") stacks the old root on the new one, and a detached unmount of "." takes it
 * away, so nothing of the host stays reachable. Never chroot. */
void do_pivot_root(struct init_state *s) {
  if (fchdir(root(s, "pivot_root")) != 0) fail_errno(errno, "chdir into the rootfs");
  if (syscall(SYS_pivot_root, ".", ".") != 0) fail_errno(errno, "pivot_root");
  if (umount2(".", MNT_DETACH) != 0) fail_errno(errno, "umount the old root");
  if (chdir("/") != 0) fail_errno(errno, "chdir /");
  close(s->root_fd);
  s->root_fd = -1;
}

/* stat, or false for a path the kernel does not have (no /proc/scsi here), which is left alone. */
static bool present(const char *path, struct stat *st) {
  if (stat(path, st) == 0) return true;
  if (errno == ENOENT) return false;
  fail_errno(errno, "stat %s", path);
}

/* A directory gets an empty read-only tmpfs over it, anything else /dev/null bound on it. */
void do_mask_path(const char *path) {
  struct stat st;
  if (!present(path, &st)) return;
  if (S_ISDIR(st.st_mode)) do_mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0");
  else do_mount("/dev/null", path, "", MS_BIND, "");
}

void do_readonly_path(const char *path) {
  struct stat st;
  if (!present(path, &st)) return;
  do_mount(path, path, "", MS_BIND | MS_REC, "");
  do_mount("", path, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, "");
}

void do_write_file(const char *path, const char *content) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail_errno(errno, "open %s", path);
  size_t size = strlen(content);
  ssize_t n = write(fd, content, size);
  if (n < 0) fail_errno(errno, "write %s", path);
  if ((size_t)n != size) fail(EXIT_INIT_FAILED, "write %s: short write", path);
  if (close(fd) != 0) fail_errno(errno, "write %s", path);
}

/* mkdir -p of the process's cwd (in the container's root by now), then chdir. */
void do_chdir(const char *path) {
  char dir[PATH_MAX];
  if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) fail_errno(ENAMETOOLONG, "chdir %s", path);
  for (char *p = dir + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) fail_errno(errno, "mkdir %s", dir);
    *p = saved;
    if (saved == '\0') break;
  }
  if (chdir(path) != 0) fail_errno(errno, "chdir %s", path);
}
