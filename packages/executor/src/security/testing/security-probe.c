/* The program the security tests have the real init exec (after the plan's security steps), and
 * process/syscalls-refused.test.ts runs inside a default container (it is static): it
 * prints its own /proc/self/status fields ("status.Name=value"), its open-files limit, and the
 * errno name ("probe.name=EPERM") or "ok" of each probe call. Each probe is chosen so that,
 * should the filter let it through, it fails harmlessly (EINVAL, ENOENT) or changes only this
 * throwaway process. argv[1]: a directory of the test's own (the mount probe aims under it);
 * argv[2], optional: a pid of the test's own to ptrace-attach to. x86_64 system call numbers. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_THREAD_KEYRING -1
#define KEY_SPEC_PROCESS_KEYRING -2
#define PER_LINUX 0
#define ADDR_NO_RANDOMIZE 0x0040000
#define PERSONALITY_QUERY 0xffffffffUL
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static const char *STATUS_FIELDS[] = {"Umask", "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", NULL};

static void report(const char *name, long result) {
  printf("probe.%s=%s\n", name, result < 0 ? strerrorname_np(errno) : "ok");
}

static void print_status(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[512];
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    char *tab = strstr(line, ":\t");
    if (tab == NULL) continue;
    *tab = '\0';
    for (const char **field = STATUS_FIELDS; *field != NULL; field++) {
      if (strcmp(line, *field) == 0) printf("status.%s=%s", line, tab + 2);
    }
  }
  if (f != NULL) fclose(f);
  f = fopen("/proc/self/limits", "r");
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    unsigned long soft, hard;
    if (sscanf(line, "Max open files %lu %lu", &soft, &hard) == 2) printf("status.MaxOpenFiles=%lu %lu\n", soft, hard);
  }
  if (f != NULL) fclose(f);
}

static long spawn_true(void) {
  pid_t pid = fork();
  if (pid == 0) {
    char *args[] = {"/bin/true", NULL};
    execv(args[0], args);
    _exit(127);
  }
  int status;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  errno = ECHILD;
  return -1;
}

int main(int argc, char **argv) {
  print_status();
  char target[4096];
  snprintf(target, sizeof target, "%s/missing/target", argc > 1 ? argv[1] : "/nonexistent");
  report("mount", syscall(SYS_mount, "none", target, "tmpfs", 0, NULL));
  report("unshare", syscall(SYS_unshare, CLONE_NEWUTS));
  /* CLONE_NEWNS with CLONE_FS is EINVAL for the kernel, so an unfiltered call never forks. */
  report("cloneNewns", syscall(SYS_clone, CLONE_NEWNS | CLONE_FS, 0, 0, 0, 0));
  report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0));
  report("addKey", syscall(SYS_add_key, "user", "layerctl-probe", "x", 1, KEY_SPEC_THREAD_KEYRING));
  long vsock = syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0);
  report("socketVsock", vsock);
  if (vsock >= 0) close((int)vsock);
  report("personalityQuery", syscall(SYS_personality, PERSONALITY_QUERY));
  report("personalityLinux", syscall(SYS_personality, PER_LINUX));
  report("personalityNoRandomize", syscall(SYS_personality, ADDR_NO_RANDOMIZE));
  report("spawnTrue", spawn_true());
  report("readFile", access("/proc/self/status", R_OK));
  if (argc > 2) {
    long attached = ptrace(PTRACE_ATTACH, atoi(argv[2]), NULL, NULL);
    report("ptraceAttach", attached);
    if (attached == 0) ptrace(PTRACE_DETACH, atoi(argv[2]), NULL, NULL);
  }
  return 0;
}
