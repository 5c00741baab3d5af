/* The last step: the container's program, found as execvp(3) finds it, with Docker's exit codes
 * (127 not found, 126 not executable) when it cannot be run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fail.h"
#include "init.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The PATH a container gets when its environment has none (Docker's). */
static const char DEFAULT_PATH[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* What the program may inherit: fds 0-2 only, default signal dispositions, nothing blocked. */
static void prepare_for_exec(void) {
  for (int fd = 0; fd <= 2; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  if (syscall(SYS_close_range, GO_FD, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail_errno(errno, "close_range");
  signal(SIGPIPE, SIG_DFL);
  signal(SIGXFSZ, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *search_path(char *const env[]) {
  const char *value = DEFAULT_PATH;
  for (char *const *e = env; *e != NULL; e++) {
    if (strncmp(*e, "PATH=", 5) == 0) value = *e + 5; /* the last one wins */
  }
  return value;
}

static bool not_executable(int err) {
  return err == EACCES || err == ENOEXEC || err == EISDIR;
}

static _Noreturn void exec_failed(const char *program, int err, const char *file) {
  const char *why = err == ENOEXEC ? "exec format error" : err == EACCES ? "permission denied" : strerrorname_np(err);
  int code = not_executable(err) ? EXIT_NOT_EXECUTABLE : EXIT_NOT_FOUND;
  if (strcmp(file, program) != 0) fail(code, "exec %s: %s (%s)", program, why == NULL ? "unknown error" : why, file);
  fail(code, "exec %s: %s", program, why == NULL ? "unknown error" : why);
}

void do_exec(char *const args[], char *const env[]) {
  const char *program = args[0] == NULL ? "" : args[0];
  prepare_for_exec();
  if (strchr(program, '/') != NULL) {
    execve(program, args, env);
    if (errno == ENOENT || errno == ENOTDIR) fail(EXIT_NOT_FOUND, "exec %s: no such file or directory", program);
    exec_failed(program, errno, program);
  }
  int denied = 0;
  char denied_file[PATH_MAX] = "";
  const char *path = search_path(env);
  for (const char *dir = path;; dir++) {
    const char *end = strchrnul(dir, ':');
    char file[PATH_MAX];
    /* An empty PATH element means the current directory, as in execvp. */
    int n = end == dir ? snprintf(file, sizeof file, "./%s", program)
                       : snprintf(file, sizeof file, "%.*s/%s", (int)(end - dir), dir, program);
    if (n < (int)sizeof file) {
      execve(file, args, env);
      int err = errno;
      if (not_executable(err) && denied == 0) {
        denied = err;
        snprintf(denied_file, sizeof denied_file, "%s", file);
      } else if (!not_executable(err) && err != ENOENT && err != ENOTDIR) {
        exec_failed(program, err, file);
      }
    }
    if (*end == '\0') break;
    dir = end;
  }
  if (denied != 0) exec_failed(program, denied, denied_file);
  fail(EXIT_NOT_FOUND, "exec %s: executable file not found in $PATH", program);
}
