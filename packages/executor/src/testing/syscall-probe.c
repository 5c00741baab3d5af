/* Tries the calls Docker's seccomp profile and capability set are meant to refuse, and prints
 * "name=ok" or "name=<strerror>" for each. Built static by the test (gcc -static), run in a
 * busybox container. argv[1]: a pid to ptrace-attach to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *name, long result) {
  printf("%s=%s\n", name, result < 0 ? strerror(errno) : "ok");
}

int main(int argc, char **argv) {
  report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session keyring */, 0));
  report("add_key", syscall(SYS_add_key, "user", "layerctl", "x", 1, -3));
  report("unshare", syscall(SYS_unshare, 0x00020000 /* CLONE_NEWNS */));
  report("mount", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));
  report("ptrace", argc > 1 ? ptrace(PTRACE_ATTACH, atoi(argv[1]), NULL, NULL) : -1);
  return 0;
}
