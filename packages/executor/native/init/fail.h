/* How the init reports a failure: one InitFailure JSON line ({"message":...,"exitCode":...}) on
 * ERROR_FD, then _exit with that code (see src/init/init-protocol.ts). */
#ifndef LAYERCTL_INIT_FAIL_H
#define LAYERCTL_INIT_FAIL_H

#define GO_FD 3
#define ERROR_FD 4
#define PLAN_FD 5

#define EXIT_INIT_FAILED 125
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127

/* Fails with exit code `code` and the printf-formatted message. */
_Noreturn void fail(int code, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Fails with 125 and "<message>: <ERRNO NAME> (<strerror>)" for errno `err`. */
_Noreturn void fail_errno(int err, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* "EPERM (Operation not permitted)" for an errno, in a static buffer. */
const char *errno_text(int err);

#endif
