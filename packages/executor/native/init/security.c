/* Identity and privileges, in the order the plan gives (see src/security/process-security-plan.ts
 * for why that order). Each call is made once and irreversibly, as right before execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fail.h"
#include "init.h"

/* The most instructions the kernel takes in one classic BPF program. */
#define BPF_MAX_INSNS 4096

void do_rlimit(const char *name, uint32_t resource, uint64_t soft, uint64_t hard) {
  struct rlimit limit = {.rlim_cur = soft, .rlim_max = hard};
  if (setrlimit((__rlimit_resource_t)resource, &limit) != 0) fail_errno(errno, "setrlimit %s", name);
}

void do_no_new_privs(void) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_errno(errno, "prctl PR_SET_NO_NEW_PRIVS");
}

/* Drops every capability the kernel knows (PR_CAPBSET_READ is EINVAL past the last) that keep lacks. */
void do_drop_bounding(uint64_t keep) {
  for (unsigned long cap = 0;; cap++) {
    int held = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (held < 0 && errno == EINVAL) return;
    if (held < 0) fail_errno(errno, "prctl PR_CAPBSET_READ %lu", cap);
    if (held == 1 && (cap >= 64 || ((keep >> cap) & 1) == 0) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      fail_errno(errno, "prctl PR_CAPBSET_DROP %lu", cap);
    }
  }
}

void do_seccomp(const uint8_t *program, uint32_t length) {
  if (length == 0 || length % sizeof(struct sock_filter) != 0 || length / sizeof(struct sock_filter) > BPF_MAX_INSNS) {
    fail(EXIT_INIT_FAILED, "container init: a seccomp program of %u bytes is not 1 to %d BPF instructions", length, BPF_MAX_INSNS);
  }
  struct sock_fprog fprog = {.len = (unsigned short)(length / sizeof(struct sock_filter)), .filter = (struct sock_filter *)program};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) != 0) fail_errno(errno, "prctl PR_SET_SECCOMP");
}

/* keepcaps, so the switch away from uid 0 keeps the permitted set; the supplementary groups are
 * replaced even when empty: the container must not carry layerctl's own. */
void do_switch_user(uid_t uid, gid_t gid, const uint32_t *groups, uint32_t count) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail_errno(errno, "prctl PR_SET_KEEPCAPS");
  if (setgroups(count, (const gid_t *)groups) != 0) fail_errno(errno, "setgroups");
  if (setresgid(gid, gid, gid) != 0) fail_errno(errno, "setresgid %u", gid);
  if (setresuid(uid, uid, uid) != 0) fail_errno(errno, "setresuid %u", uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail_errno(errno, "prctl PR_SET_KEEPCAPS");
}

void do_capabilities(uint64_t effective, uint64_t permitted, uint64_t inheritable, const uint32_t *ambient, uint32_t count) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2] = {
    {.effective = (uint32_t)effective, .permitted = (uint32_t)permitted, .inheritable = (uint32_t)inheritable},
    {.effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32), .inheritable = (uint32_t)(inheritable >> 32)},
  };
  if (syscall(SYS_capset, &header, data) != 0) fail_errno(errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) fail_errno(errno, "prctl PR_CAP_AMBIENT_CLEAR_ALL");
  for (uint32_t i = 0; i < count; i++) {
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)ambient[i], 0, 0) != 0) {
      fail_errno(errno, "prctl PR_CAP_AMBIENT_RAISE %u", ambient[i]);
    }
  }
}
