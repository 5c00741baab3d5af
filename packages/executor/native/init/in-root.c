#define _GNU_SOURCE
#include "in-root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fail.h"

/* Symlinks followed while creating one path, as the kernel's own limit (MAXSYMLINKS). */
#define MAX_SYMLINKS 40

const char *proc_fd_path(int fd, char *buf, size_t size) {
  snprintf(buf, size, "/proc/self/fd/%d", fd);
  return buf;
}

/* `file` lexically normalised and made relative ("/../x" -> "x", "/" -> "."): openat2 would clamp
 * it too, but the name handed to mkdirat/mknodat must be a plain name, never "..". */
static void in_root_path(const char *file, char *out) {
  size_t n = 0;
  const char *p = file;
  while (*p != '\0') {
    while (*p == '/') p++;
    const char *end = strchrnul(p, '/');
    size_t len = (size_t)(end - p);
    if (len == 0 || (len == 1 && p[0] == '.')) {
      /* nothing */
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      while (n > 0 && out[n - 1] != '/') n--;
      if (n > 0) n--;
    } else {
      if (n + len + 2 > PATH_MAX) fail_errno(ENAMETOOLONG, "path %s", file);
      if (n > 0) out[n++] = '/';
      memcpy(out + n, p, len);
      n += len;
    }
    p = end;
  }
  if (n == 0) out[n++] = '.';
  out[n] = '\0';
}

int open_in_root(int root_fd, const char *file, int flags) {
  char relative[PATH_MAX];
  in_root_path(file, relative);
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, root_fd, relative, &how, sizeof how);
}

/* A path as the container sees it, for messages: "/dev", whether given as "dev" or "/dev". */
static const char *shown(const char *file) {
  while (*file == '/') file++;
  return file;
}

bool exists_in_root(int root_fd, const char *file) {
  int fd = open_in_root(root_fd, file, O_PATH);
  if (fd >= 0) {
    close(fd);
    return true;
  }
  if (errno == ENOENT) return false;
  fail_errno(errno, "openat2 /%s", shown(file));
}

static int open_parent(int root_fd, const char *parent) {
  int fd = open_in_root(root_fd, parent, O_PATH | O_DIRECTORY);
  if (fd < 0) fail_errno(errno, "openat2 /%s", shown(parent));
  return fd;
}

/* The target of the symlink `name` in dir_fd, or false when it is not a symlink. */
static bool read_link(int dir_fd, const char *name, char *target) {
  ssize_t n = readlinkat(dir_fd, name, target, PATH_MAX - 1);
  if (n < 0) return false;
  target[n] = '\0';
  return true;
}

/* Where a symlink found at `parent` points, as a path inside the root. */
static void link_destination(const char *parent, const char *target, char *out) {
  char joined[2 * PATH_MAX + 2];
  if (target[0] == '/') snprintf(joined, sizeof joined, "%s", target);
  else snprintf(joined, sizeof joined, "%s/%s", parent, target);
  in_root_path(joined, out);
}

static void mkdir_following(int root_fd, const char *dir, mode_t mode, int links) {
  char relative[PATH_MAX], prefix[PATH_MAX] = "";
  in_root_path(dir, relative);
  if (strcmp(relative, ".") == 0) return;
  size_t n = 0;
  for (char *part = relative, *end; *part != '\0'; part = *end == '\0' ? end : end + 1) {
    end = strchrnul(part, '/');
    char saved = *end;
    *end = '\0';
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", n == 0 ? "." : prefix);
    n += (size_t)snprintf(prefix + n, sizeof prefix - n, "%s%s", n == 0 ? "" : "/", part);
    if (!exists_in_root(root_fd, prefix)) {
      int parent_fd = open_parent(root_fd, parent);
      char target[PATH_MAX];
      bool created = mkdirat(parent_fd, part, mode) == 0;
      int err = errno;
      /* EEXIST for a name that does not resolve: a dangling symlink, whose target is made instead. */
      bool link = !created && read_link(parent_fd, part, target);
      close(parent_fd);
      if (!created && (err != EEXIST || !link)) fail_errno(err, "mkdirat /%s", prefix);
      if (!created) {
        if (links >= MAX_SYMLINKS) fail_errno(ELOOP, "mkdirat /%s", prefix);
        char destination[PATH_MAX];
        link_destination(parent, target, destination);
        mkdir_following(root_fd, destination, mode, links + 1);
      }
    }
    *end = saved;
  }
}

void mkdir_in_root(int root_fd, const char *dir, mode_t mode) {
  mkdir_following(root_fd, dir, mode, 0);
}

static void mknod_following(int root_fd, const char *file, mode_t mode, dev_t dev, int links) {
  char relative[PATH_MAX], parent[PATH_MAX];
  in_root_path(file, relative);
  char *slash = strrchr(relative, '/');
  const char *name = slash == NULL ? relative : slash + 1;
  if (slash == NULL) snprintf(parent, sizeof parent, ".");
  else snprintf(parent, sizeof parent, "%.*s", (int)(slash - relative), relative);
  if (strcmp(name, ".") == 0) fail_errno(EEXIST, "mknodat /%s", relative);
  mkdir_following(root_fd, parent, 0755, links);
  int parent_fd = open_parent(root_fd, parent);
  char target[PATH_MAX];
  bool created = mknodat(parent_fd, name, mode, dev) == 0;
  int err = errno;
  bool link = !created && err == EEXIST && !exists_in_root(root_fd, relative) && read_link(parent_fd, name, target);
  close(parent_fd);
  if (created) return;
  if (!link) fail_errno(err, "mknodat /%s", relative);
  if (links >= MAX_SYMLINKS) fail_errno(ELOOP, "mknodat /%s", relative);
  char destination[PATH_MAX];
  link_destination(parent, target, destination);
  mknod_following(root_fd, destination, mode, dev, links + 1);
}

void mknod_in_root(int root_fd, const char *file, mode_t mode, dev_t dev) {
  mknod_following(root_fd, file, mode, dev, 0);
}
