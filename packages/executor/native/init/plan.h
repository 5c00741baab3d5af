/* The init plan: what the parent (layerctl, TypeScript) decided, as a flat list of primitive
 * operations in the order they run. See src/init/init-plan.ts, which writes it, for the format:
 *   8-byte magic "LCPLAN01", then operations, each: u32 code, u32 payload length, payload.
 * Payload fields, per operation, in the order of its signature: u = u32, U = u64, s = string
 * (u32 length + bytes, no NUL), b = bytes (u32 length + bytes), S = list of strings (u32 count +
 * strings), L = list of u32 (u32 count + values). Integers are little-endian. */
#ifndef LAYERCTL_INIT_PLAN_H
#define LAYERCTL_INIT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_MAGIC "LCPLAN01"
#define PLAN_MAGIC_BYTES 8
#define PLAN_MAX_BYTES (16u << 20)
#define OP_MAX_ARGS 8

enum op_code {
  OP_UNSHARE = 1,
  OP_SETNS,
  OP_LOOPBACK_UP,
  OP_MOUNT,
  OP_OPEN_ROOT,
  OP_MKDIR_IN_ROOT,
  OP_MKFILE_IN_ROOT,
  OP_MKNOD_IN_ROOT,
  OP_SYMLINK_IN_ROOT,
  OP_MOUNT_IN_ROOT,
  OP_CONSOLE_IN_ROOT,
  OP_PIVOT_ROOT,
  OP_MASK_PATH,
  OP_READONLY_PATH,
  OP_WRITE_FILE,
  OP_SETHOSTNAME,
  OP_TERMINAL_SESSION,
  OP_CHDIR,
  OP_UMASK,
  OP_WAIT_GO,
  OP_RLIMIT,
  OP_NO_NEW_PRIVS,
  OP_DROP_BOUNDING,
  OP_SECCOMP,
  OP_SWITCH_USER,
  OP_CAPABILITIES,
  OP_EXEC,
  OP_COUNT
};

struct op_kind {
  const char *name;
  const char *signature;
};

/* Indexed by op_code; the TypeScript table (src/init/init-plan.ts) must say the same. */
extern const struct op_kind OP_KINDS[OP_COUNT];

struct arg {
  char type;
  uint64_t number;      /* u, U */
  const char *text;     /* s: NUL-terminated copy */
  const uint8_t *bytes; /* b */
  uint32_t length;      /* s, b: bytes; S, L: items */
  char **texts;         /* S: NULL-terminated array */
  uint32_t *numbers;    /* L */
};

struct op {
  enum op_code code;
  size_t offset; /* where it starts in the plan, for messages */
  int argc;
  struct arg args[OP_MAX_ARGS];
};

struct plan {
  struct op *ops;
  size_t count;
};

/* Reads the whole plan from fd and decodes it strictly; a malformed plan ends the init (125). */
void read_plan(int fd, struct plan *plan);
/* Prints a decoded plan as JSON lines ({"op":"mount","args":[...]}), for the round-trip test. */
void print_plan(const struct plan *plan);

#endif
