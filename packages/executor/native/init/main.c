/* layerctl's container init: PID 1 of the container's new pid namespace, spawned by the executor
 * (src/process/spawn-init.ts). It reads the init plan on PLAN_FD (a pipe the parent writes right
 * after spawning it), decodes all of it, then runs its operations in order; the last one execs
 * the container's program. Every decision was taken by the parent: this is a dumb, careful
 * interpreter. Single-threaded, which is why it is C and not Node (see the README).
 *
 *   layerctl-init               run the plan read on fd 5 (GO on fd 3, failures on fd 4)
 *   layerctl-init --print-plan  decode the plan read on stdin and print it as JSON lines */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "in-root.h"
#include "init.h"
#include "plan.h"

static const char *text(const struct op *op, int i) {
  return op->args[i].text;
}

static uint64_t number(const struct op *op, int i) {
  return op->args[i].number;
}

static void run(struct init_state *s, const struct op *op) {
  switch (op->code) {
    case OP_UNSHARE: do_unshare((uint32_t)number(op, 0)); break;
    case OP_SETNS: do_setns(text(op, 0), (uint32_t)number(op, 1)); break;
    case OP_LOOPBACK_UP: do_loopback_up(); break;
    case OP_MOUNT: do_mount(text(op, 0), text(op, 1), text(op, 2), (unsigned long)number(op, 3), text(op, 4)); break;
    case OP_OPEN_ROOT: do_open_root(s, text(op, 0)); break;
    case OP_MKDIR_IN_ROOT:
      if (s->root_fd < 0) fail(EXIT_INIT_FAILED, "container init: mkdir_in_root before open_root");
      mkdir_in_root(s->root_fd, text(op, 0), (mode_t)number(op, 1));
      break;
    case OP_MKFILE_IN_ROOT: do_mkfile_in_root(s, text(op, 0), (mode_t)number(op, 1)); break;
    case OP_MKNOD_IN_ROOT:
      do_mknod_in_root(s, text(op, 0), (mode_t)number(op, 1), number(op, 2), (uid_t)number(op, 3), (gid_t)number(op, 4));
      break;
    case OP_SYMLINK_IN_ROOT: do_symlink_in_root(s, text(op, 0), text(op, 1)); break;
    case OP_MOUNT_IN_ROOT:
      do_mount_in_root(s, text(op, 0), text(op, 1), text(op, 2), (unsigned long)number(op, 3), text(op, 4), (int)number(op, 5));
      break;
    case OP_CONSOLE_IN_ROOT: do_console_in_root(s, text(op, 0)); break;
    case OP_PIVOT_ROOT: do_pivot_root(s); break;
    case OP_MASK_PATH: do_mask_path(text(op, 0)); break;
    case OP_READONLY_PATH: do_readonly_path(text(op, 0)); break;
    case OP_WRITE_FILE: do_write_file(text(op, 0), text(op, 1)); break;
    case OP_SETHOSTNAME: do_sethostname(text(op, 0)); break;
    case OP_TERMINAL_SESSION: do_terminal_session(); break;
    case OP_CHDIR: do_chdir(text(op, 0)); break;
    case OP_UMASK: umask((mode_t)number(op, 0)); break;
    case OP_WAIT_GO: do_wait_go(); break;
    case OP_RLIMIT: do_rlimit(text(op, 0), (uint32_t)number(op, 1), number(op, 2), number(op, 3)); break;
    case OP_NO_NEW_PRIVS: do_no_new_privs(); break;
    case OP_DROP_BOUNDING: do_drop_bounding(number(op, 0)); break;
    case OP_SECCOMP: do_seccomp(op->args[0].bytes, op->args[0].length); break;
    case OP_SWITCH_USER:
      do_switch_user((uid_t)number(op, 0), (gid_t)number(op, 1), op->args[2].numbers, op->args[2].length);
      break;
    case OP_CAPABILITIES:
      do_capabilities(number(op, 0), number(op, 1), number(op, 2), op->args[3].numbers, op->args[3].length);
      break;
    case OP_EXEC: do_exec(op->args[0].texts, op->args[1].texts);
    case OP_COUNT: break;
  }
}

int main(int argc, char **argv) {
  struct plan plan;
  if (argc == 2 && strcmp(argv[1], "--print-plan") == 0) {
    read_plan(0, &plan);
    print_plan(&plan);
    return 0;
  }
  if (argc != 1) fail(EXIT_INIT_FAILED, "container init: unexpected arguments (usage: layerctl-init, the plan on fd %d)", PLAN_FD);
  // A successful execve closes it with nothing written: that EOF is how the parent learns the program runs.
  fcntl(ERROR_FD, F_SETFD, FD_CLOEXEC);
  read_plan(PLAN_FD, &plan);
  if (plan.count == 0 || plan.ops[plan.count - 1].code != OP_EXEC) {
    fail(EXIT_INIT_FAILED, "container init: malformed plan: it must end with exec");
  }
  struct init_state state = {.root_fd = -1};
  for (size_t i = 0; i < plan.count; i++) run(&state, &plan.ops[i]);
  fail(EXIT_INIT_FAILED, "container init: the plan ended without exec");
}
