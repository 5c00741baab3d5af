/* Reading the plan: the whole of it is read and decoded before the first operation runs, so a
 * malformed plan is refused while nothing has changed. */
#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail.h"

const struct op_kind OP_KINDS[OP_COUNT] = {
  [OP_UNSHARE] = {"unshare", "u"},
  [OP_SETNS] = {"setns", "su"},
  [OP_LOOPBACK_UP] = {"loopback_up", ""},
  [OP_MOUNT] = {"mount", "sssus"},
  [OP_OPEN_ROOT] = {"open_root", "s"},
  [OP_MKDIR_IN_ROOT] = {"mkdir_in_root", "su"},
  [OP_MKFILE_IN_ROOT] = {"mkfile_in_root", "su"},
  [OP_MKNOD_IN_ROOT] = {"mknod_in_root", "suUuu"},
  [OP_SYMLINK_IN_ROOT] = {"symlink_in_root", "ss"},
  [OP_MOUNT_IN_ROOT] = {"mount_in_root", "sssusu"},
  [OP_CONSOLE_IN_ROOT] = {"console_in_root", "s"},
  [OP_PIVOT_ROOT] = {"pivot_root", ""},
  [OP_MASK_PATH] = {"mask_path", "s"},
  [OP_READONLY_PATH] = {"readonly_path", "s"},
  [OP_WRITE_FILE] = {"write_file", "ss"},
  [OP_SETHOSTNAME] = {"sethostname", "s"},
  [OP_TERMINAL_SESSION] = {"terminal_session", ""},
  [OP_CHDIR] = {"chdir", "s"},
  [OP_UMASK] = {"umask", "u"},
  [OP_WAIT_GO] = {"wait_go", ""},
  [OP_RLIMIT] = {"rlimit", "suUU"},
  [OP_NO_NEW_PRIVS] = {"no_new_privs", ""},
  [OP_DROP_BOUNDING] = {"drop_bounding", "U"},
  [OP_SECCOMP] = {"seccomp", "b"},
  [OP_SWITCH_USER] = {"switch_user", "uuL"},
  [OP_CAPABILITIES] = {"capabilities", "UUUL"},
  [OP_EXEC] = {"exec", "SS"},
};

/* A cursor over one operation's payload. */
struct reader {
  const uint8_t *data;
  size_t size;
  size_t at;
  size_t base; /* the payload's offset in the plan */
};

static _Noreturn void malformed(size_t offset, const char *why, const char *name) {
  fail(EXIT_INIT_FAILED, "container init: malformed plan at byte %zu%s%s: %s", offset, name == NULL ? "" : " in ",
       name == NULL ? "" : name, why);
}

static const uint8_t *take(struct reader *r, size_t n, const char *name) {
  if (n > r->size - r->at) malformed(r->base + r->at, "a field runs past the end of its operation", name);
  const uint8_t *p = r->data + r->at;
  r->at += n;
  return p;
}

static uint32_t take_u32(struct reader *r, const char *name) {
  const uint8_t *p = take(r, 4, name);
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t take_u64(struct reader *r, const char *name) {
  uint64_t low = take_u32(r, name);
  return low | (uint64_t)take_u32(r, name) << 32;
}

static char *take_text(struct reader *r, const char *name) {
  uint32_t length = take_u32(r, name);
  const uint8_t *p = take(r, length, name);
  if (memchr(p, '\0', length) != NULL) malformed(r->base + r->at - length, "a string holds a NUL byte", name);
  char *text = malloc((size_t)length + 1);
  if (text == NULL) fail_errno(ENOMEM, "container init: reading the plan");
  memcpy(text, p, length);
  text[length] = '\0';
  return text;
}

/* A count of items that each take at least `item_bytes`: checked against what is left first. */
static uint32_t take_count(struct reader *r, size_t item_bytes, const char *name) {
  uint32_t count = take_u32(r, name);
  if ((size_t)count > (r->size - r->at) / item_bytes) malformed(r->base + r->at, "a list is longer than its operation", name);
  return count;
}

static void *allocate(size_t count, size_t size) {
  void *p = calloc(count, size);
  if (p == NULL) fail_errno(ENOMEM, "container init: reading the plan");
  return p;
}

static void decode_arg(struct reader *r, char type, struct arg *arg, const char *name) {
  arg->type = type;
  switch (type) {
    case 'u': arg->number = take_u32(r, name); break;
    case 'U': arg->number = take_u64(r, name); break;
    case 's':
      arg->text = take_text(r, name);
      arg->length = (uint32_t)strlen(arg->text);
      break;
    case 'b':
      arg->length = take_u32(r, name);
      arg->bytes = take(r, arg->length, name);
      break;
    case 'S':
      arg->length = take_count(r, 4, name);
      arg->texts = allocate((size_t)arg->length + 1, sizeof(char *));
      for (uint32_t i = 0; i < arg->length; i++) arg->texts[i] = take_text(r, name);
      break;
    case 'L':
      arg->length = take_count(r, 4, name);
      arg->numbers = allocate((size_t)arg->length + 1, sizeof(uint32_t));
      for (uint32_t i = 0; i < arg->length; i++) arg->numbers[i] = take_u32(r, name);
      break;
    default: malformed(r->base + r->at, "the init's own operation table is wrong", name);
  }
}

static void decode(const uint8_t *data, size_t size, struct plan *plan) {
  if (size < PLAN_MAGIC_BYTES || memcmp(data, PLAN_MAGIC, PLAN_MAGIC_BYTES) != 0) {
    malformed(0, "it does not start with " PLAN_MAGIC " (a plan from another layerctl version?)", NULL);
  }
  size_t capacity = 64;
  plan->ops = allocate(capacity, sizeof(struct op));
  plan->count = 0;
  for (size_t at = PLAN_MAGIC_BYTES; at < size;) {
    struct reader header = {data, size, at, 0};
    uint32_t code = take_u32(&header, NULL);
    uint32_t length = take_u32(&header, NULL);
    if (code == 0 || code >= OP_COUNT) {
      char why[64];
      snprintf(why, sizeof why, "unknown operation %" PRIu32, code);
      malformed(at, why, NULL);
    }
    const char *name = OP_KINDS[code].name;
    if (length > size - header.at) malformed(at, "the operation runs past the end of the plan", name);
    if (plan->count == capacity) {
      capacity *= 2;
      plan->ops = realloc(plan->ops, capacity * sizeof(struct op));
      if (plan->ops == NULL) fail_errno(ENOMEM, "container init: reading the plan");
    }
    struct op *op = &plan->ops[plan->count++];
    memset(op, 0, sizeof *op);
    op->code = (enum op_code)code;
    op->offset = at;
    struct reader payload = {data + header.at, length, 0, header.at};
    for (const char *t = OP_KINDS[code].signature; *t != '\0'; t++) decode_arg(&payload, *t, &op->args[op->argc++], name);
    if (payload.at != payload.size) malformed(header.at + payload.at, "bytes are left over after the operation's fields", name);
    at = header.at + length;
  }
}

void read_plan(int fd, struct plan *plan) {
  size_t capacity = 64 * 1024, size = 0;
  uint8_t *data = allocate(capacity, 1);
  for (;;) {
    if (size == capacity) {
      if (capacity >= PLAN_MAX_BYTES) fail(EXIT_INIT_FAILED, "container init: the plan is larger than %u bytes", PLAN_MAX_BYTES);
      capacity *= 2;
      data = realloc(data, capacity);
      if (data == NULL) fail_errno(ENOMEM, "container init: reading the plan");
    }
    ssize_t n = read(fd, data + size, capacity - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "container init: reading the plan from fd %d", fd);
    if (n == 0) break;
    size += (size_t)n;
  }
  close(fd);
  decode(data, size, plan);
}

static void print_json_text(const char *text) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void print_arg(const struct arg *arg) {
  switch (arg->type) {
    case 'u': printf("%" PRIu64, arg->number); break;
    case 'U': printf("\"%" PRIu64 "\"", arg->number); break; /* beyond what a JSON number holds exactly */
    case 's': print_json_text(arg->text); break;
    case 'b':
      putchar('"');
      for (uint32_t i = 0; i < arg->length; i++) printf("%02x", arg->bytes[i]);
      putchar('"');
      break;
    case 'S':
      putchar('[');
      for (uint32_t i = 0; i < arg->length; i++) {
        if (i > 0) putchar(',');
        print_json_text(arg->texts[i]);
      }
      putchar(']');
      break;
    case 'L':
      putchar('[');
      for (uint32_t i = 0; i < arg->length; i++) printf("%s%" PRIu32, i > 0 ? "," : "", arg->numbers[i]);
      putchar(']');
      break;
  }
}

void print_plan(const struct plan *plan) {
  for (size_t i = 0; i < plan->count; i++) {
    const struct op *op = &plan->ops[i];
    printf("{\"op\":\"%s\",\"args\":[", OP_KINDS[op->code].name);
    for (int a = 0; a < op->argc; a++) {
      if (a > 0) putchar(',');
      print_arg(&op->args[a]);
    }
    printf("]}\n");
  }
  fflush(stdout);
}
