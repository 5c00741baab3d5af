/* Namespaces, the hostname, the terminal session and the parent's go (the parent puts the init in its cgroups). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fail.h"
#include "init.h"

void do_unshare(uint32_t flags) {
  if (unshare((int)flags) != 0) fail_errno(errno, "unshare 0x%x", flags);
}

void do_setns(const char *path, uint32_t type) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(errno, "open namespace %s", path);
  if (setns(fd, (int)type) != 0) fail_errno(errno, "setns %s", path);
  close(fd);
}

void do_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno(errno, "socket AF_INET");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) fail_errno(errno, "ioctl SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) fail_errno(errno, "ioctl SIOCSIFFLAGS lo");
  close(fd);
}

void do_sethostname(const char *name) {
  if (sethostname(name, strlen(name)) != 0) fail_errno(errno, "sethostname %s", name);
}

/* The pty slave (fds 0-2) becomes the controlling terminal of a new session led by the init. A
 * detached init leads a session already (spawn's setsid), where setsid fails EPERM: that is fine. */
void do_terminal_session(void) {
  if (setsid() < 0 && errno != EPERM) fail_errno(errno, "setsid");
  if (ioctl(0, TIOCSCTTY, 0) != 0) fail_errno(errno, "ioctl TIOCSCTTY");
}

/* Blocks until the parent says go; EOF first means it gave up on this container. */
void do_wait_go(void) {
  char byte;
  for (;;) {
    ssize_t n = read(GO_FD, &byte, 1);
    if (n == 1) return;
    if (n == 0) _exit(EXIT_INIT_FAILED);
    if (errno != EINTR && errno != EAGAIN) fail_errno(errno, "container init: reading go");
  }
}
