#define _GNU_SOURCE
#include "fail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MESSAGE_BYTES 4096
#define LINE_BYTES (MESSAGE_BYTES * 6 + 64)

const char *errno_text(int err) {
  static char text[128];
  const char *name = strerrorname_np(err);
  if (name == NULL) snprintf(text, sizeof text, "errno %d", err);
  else snprintf(text, sizeof text, "%s (%s)", name, strerror(err));
  return text;
}

/* JSON string body of `in`: quotes, backslashes and control bytes escaped, the rest as it is. */
static size_t json_escape(const char *in, char *out, size_t size) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && n + 7 < size; p++) {
    if (*p == '"' || *p == '\\') {
      out[n++] = '\\';
      out[n++] = (char)*p;
    } else if (*p < 0x20) {
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n] = '\0';
  return n;
}

static void write_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= (size_t)n;
  }
}

static _Noreturn void report(int code, const char *message) {
  static char escaped[MESSAGE_BYTES * 6];
  static char line[LINE_BYTES];
  json_escape(message, escaped, sizeof escaped);
  int n = snprintf(line, sizeof line, "{\"message\":\"%s\",\"exitCode\":%d}\n", escaped, code);
  if (n > (int)sizeof line) n = (int)sizeof line;
  // Nobody may be reading (the parent died): the exit status still tells the failure.
  if (write(ERROR_FD, "", 0) < 0 && errno == EBADF) write_all(2, line, (size_t)n);
  else write_all(ERROR_FD, line, (size_t)n);
  _exit(code);
}

void fail(int code, const char *format, ...) {
  char message[MESSAGE_BYTES];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  report(code, message);
}

void fail_errno(int err, const char *format, ...) {
  char message[MESSAGE_BYTES];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (n >= 0 && (size_t)n < sizeof message) snprintf(message + n, sizeof message - (size_t)n, ": %s", errno_text(err));
  report(EXIT_INIT_FAILED, message);
}
