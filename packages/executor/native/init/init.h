/* The operations of the plan, by idea; each fails the init itself (fail.h) when it cannot be done. */
#ifndef LAYERCTL_INIT_H
#define LAYERCTL_INIT_H

#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

/* What the operations hand on to later ones. */
struct init_state {
  int root_fd; /* the rootfs, from open_root until pivot_root; -1 otherwise */
};

/* namespaces.c */
void do_unshare(uint32_t flags);
void do_setns(const char *path, uint32_t type);
void do_loopback_up(void);
void do_sethostname(const char *name);
void do_terminal_session(void);
void do_wait_go(void);

/* mounts.c */
void do_mount(const char *source, const char *target, const char *type, unsigned long flags, const char *data);
void do_open_root(struct init_state *s, const char *path);
void do_mkfile_in_root(struct init_state *s, const char *path, mode_t mode);
void do_mknod_in_root(struct init_state *s, const char *path, mode_t mode, uint64_t dev, uid_t uid, gid_t gid);
void do_symlink_in_root(struct init_state *s, const char *path, const char *target);
void do_mount_in_root(struct init_state *s, const char *source, const char *destination, const char *type, unsigned long flags,
                      const char *data, int directory);
void do_console_in_root(struct init_state *s, const char *destination);
void do_pivot_root(struct init_state *s);
void do_mask_path(const char *path);
void do_readonly_path(const char *path);
void do_write_file(const char *path, const char *content);
void do_chdir(const char *path);

/* security.c */
void do_rlimit(const char *name, uint32_t resource, uint64_t soft, uint64_t hard);
void do_no_new_privs(void);
void do_drop_bounding(uint64_t keep);
void do_seccomp(const uint8_t *program, uint32_t length);
void do_switch_user(uid_t uid, gid_t gid, const uint32_t *groups, uint32_t count);
void do_capabilities(uint64_t effective, uint64_t permitted, uint64_t inheritable, const uint32_t *ambient, uint32_t count);

/* exec.c: never returns */
_Noreturn void do_exec(char *const args[], char *const env[]);

#endif
