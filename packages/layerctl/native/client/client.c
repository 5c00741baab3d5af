/*
 * The `layerctl` command when a resident daemon is running (src/daemon/README.md).
 *
 * Node's start-up and loading layerctl's modules take ~70 ms before a command does any work. The
 * daemon keeps Node processes ready with every module loaded; this client, which starts in about a
 * millisecond, hands one of them its command line, environment, working directory, umask and its
 * stdin, stdout and stderr (SCM_RIGHTS), forwards the signals it gets, and exits with the status
 * the worker reports. The worker runs the command exactly as `node bin/layerctl.js` would, in a
 * process of its own.
 *
 * Without a daemon (no socket, nobody listening, LAYERCTL_NO_DAEMON set), when no worker is free
 * to answer within READY_WAIT_MS, or when the worker declines (its code is older than the checkout's, or this process is in other namespaces or
 * under another root directory than the daemon), the client execs Node on bin/layerctl.js itself:
 * the same command, only slower to start.
 *
 * The wire format is daemon-protocol.ts's; the two must change together (PROTOCOL_VERSION).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef LAYERCTL_NODE
#error "build with -DLAYERCTL_NODE=\"/path/to/node\""
#endif
#ifndef LAYERCTL_ENTRY
#error "build with -DLAYERCTL_ENTRY=\"/path/to/packages/layerctl/bin/layerctl.js\""
#endif
#ifndef PROTOCOL_VERSION
#define PROTOCOL_VERSION 2
#endif
/*
 * How long to wait for a worker to answer HELLO. One waiting in accept(2) answers within a
 * millisecond; when all are busy or still warming up the connection sits in the backlog, and Node
 * started now finishes sooner than waiting for the next worker would.
 */
#define READY_WAIT_MS 40

enum {
  MAGIC = 0x4c54434c, /* "LCTL" read as a little-endian u32 */
  COMMAND = 1,
  SIGNAL = 3,
  HELLO = 4,
  READY = 20,
  EXIT = 19,
  EXIT_TROUBLE = 125,
};

struct message {
  uint32_t magic;
  uint32_t version;
  uint32_t type;
  int32_t value;
};

extern char **environ;

/* The signals a user sends to a command, passed on to the worker running it. */
static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void run_node(char **argv) __attribute__((noreturn));
static void run_node(char **argv) {
  int argc = 0;
  while (argv[argc] != NULL) argc++;
  char **node_argv = calloc((size_t)argc + 2, sizeof(char *));
  if (node_argv == NULL) _exit(EXIT_TROUBLE);
  node_argv[0] = LAYERCTL_NODE;
  node_argv[1] = LAYERCTL_ENTRY;
  for (int i = 1; i < argc; i++) node_argv[i + 1] = argv[i];
  execv(LAYERCTL_NODE, node_argv);
  fprintf(stderr, "layerctl: cannot run %s: %s\n", LAYERCTL_NODE, strerror(errno));
  _exit(127);
}

/* A closed 0, 1 or 2 cannot be passed with SCM_RIGHTS: it becomes /dev/null, as for any program. */
static void open_standard_fds(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF && open("/dev/null", O_RDWR) != fd) _exit(EXIT_TROUBLE);
  }
}

static int socket_path(char *path, size_t size) {
  const char *chosen = getenv("LAYERCTL_SOCKET");
  if (chosen != NULL && chosen[0] != '\0' && chosen[0] != '/') return -1; /* `daemon start` refuses it too */
  if (chosen != NULL && chosen[0] != '\0') return snprintf(path, size, "%s", chosen) < (int)size ? 0 : -1;
  if (geteuid() == 0) return snprintf(path, size, "/run/layerctl/daemon.sock") < (int)size ? 0 : -1;
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  if (runtime == NULL || runtime[0] != '/') return -1;
  return snprintf(path, size, "%s/layerctl/daemon.sock", runtime) < (int)size ? 0 : -1;
}

static int connect_daemon(void) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (getenv("LAYERCTL_NO_DAEMON") != NULL) return -1;
  /* Workers run the bundle: asking for the sources (bundled-entry.js) means Node, here. */
  const char *from_source = getenv("LAYERCTL_FROM_SOURCE");
  if (from_source != NULL && strcmp(from_source, "1") == 0) return -1;
  if (socket_path(address.sun_path, sizeof address.sun_path) != 0) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return -1;
  if (connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Appends s and its NUL to buf, growing it. */
static int append(char **buf, size_t *length, size_t *capacity, const char *s) {
  size_t n = strlen(s) + 1;
  while (*length + n > *capacity) {
    *capacity = *capacity * 2 + n;
    char *grown = realloc(*buf, *capacity);
    if (grown == NULL) return -1;
    *buf = grown;
  }
  memcpy(*buf + *length, s, n);
  *length += n;
  return 0;
}

/* umask, argc and envc as u32, then the working directory, the arguments after argv[0] and the environment. */
static char *command_payload(char **argv, size_t *length) {
  size_t capacity = 4096;
  char *buf = malloc(capacity);
  char cwd[4096];
  if (buf == NULL || getcwd(cwd, sizeof cwd) == NULL) return NULL;
  mode_t mask = umask(0);
  umask(mask);
  uint32_t argc = 0, envc = 0;
  while (argv[argc + 1] != NULL) argc++;
  while (environ[envc] != NULL) envc++;
  uint32_t counts[3] = {(uint32_t)mask, argc, envc};
  memcpy(buf, counts, sizeof counts);
  *length = sizeof counts;
  if (append(&buf, length, &capacity, cwd) != 0) return NULL;
  for (uint32_t i = 0; i < argc; i++)
    if (append(&buf, length, &capacity, argv[i + 1]) != 0) return NULL;
  for (uint32_t i = 0; i < envc; i++)
    if (append(&buf, length, &capacity, environ[i]) != 0) return NULL;
  return buf;
}

static int write_all(int fd, const char *buf, size_t length) {
  while (length > 0) {
    ssize_t n = send(fd, buf, length, MSG_NOSIGNAL);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    length -= (size_t)n;
  }
  return 0;
}

/* The header, with this process's stdin, stdout and stderr attached, then the payload. */
static int send_command(int fd, char **argv) {
  size_t length;
  char *payload = command_payload(argv, &length);
  if (payload == NULL) return -1;
  struct message header = {MAGIC, PROTOCOL_VERSION, COMMAND, (int32_t)length};
  int stdio[3] = {0, 1, 2};
  char control[CMSG_SPACE(sizeof stdio)];
  memset(control, 0, sizeof control);
  struct iovec iov = {.iov_base = &header, .iov_len = sizeof header};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof stdio);
  memcpy(CMSG_DATA(cmsg), stdio, sizeof stdio);
  ssize_t sent;
  do sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (sent == -1 && errno == EINTR);
  int ok = sent == (ssize_t)sizeof header && write_all(fd, payload, length) == 0;
  free(payload);
  return ok ? 0 : -1;
}

/* 1 when a whole message was read, 0 at end of stream, -1 on error. */
static int read_message(int fd, struct message *m) {
  size_t got = 0;
  while (got < sizeof *m) {
    ssize_t n = read(fd, (char *)m + got, sizeof *m - got);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) return -1;
    if (n == 0) return got == 0 ? 0 : -1;
    got += (size_t)n;
  }
  return m->magic == MAGIC ? 1 : -1;
}

/* 1 when a worker took the connection and is ready for the command, 0 when none answered in time or it declined. */
static int worker_ready(int fd) {
  struct message hello = {MAGIC, PROTOCOL_VERSION, HELLO, 0};
  if (write_all(fd, (const char *)&hello, sizeof hello) != 0) return 0;
  struct pollfd answer = {.fd = fd, .events = POLLIN};
  int r;
  do r = poll(&answer, 1, READY_WAIT_MS);
  while (r == -1 && errno == EINTR);
  struct message m;
  return r == 1 && read_message(fd, &m) == 1 && m.type == READY;
}

/* The worker ended without a status: most likely a signal we forwarded ended it, so end the same way. */
static void end_like_worker(int last_signal) __attribute__((noreturn));
static void end_like_worker(int last_signal) {
  if (last_signal != 0 && last_signal != SIGWINCH) {
    signal(last_signal, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, last_signal);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(last_signal);
  }
  fprintf(stderr, "layerctl: the daemon's worker ended without an exit status; see the daemon's log\n");
  _exit(EXIT_TROUBLE);
}

int main(int argc, char **argv) {
  (void)argc;
  open_standard_fds();
  int fd = connect_daemon();
  if (fd == -1) run_node(argv);
  if (!worker_ready(fd)) {
    close(fd); /* a worker that accepts it later finds it closed and waits for the next */
    run_node(argv);
  }

  sigset_t forwarded, previous;
  sigemptyset(&forwarded);
  for (size_t i = 0; i < sizeof FORWARDED / sizeof FORWARDED[0]; i++) sigaddset(&forwarded, FORWARDED[i]);
  sigprocmask(SIG_BLOCK, &forwarded, &previous);
  int signals = signalfd(-1, &forwarded, SFD_CLOEXEC);
  if (signals == -1 || send_command(fd, argv) != 0) {
    /* Nothing ran yet: the worker runs a command only once it has all of it. */
    close(fd);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    run_node(argv);
  }

  int last_signal = 0;
  struct pollfd watched[2] = {{.fd = fd, .events = POLLIN}, {.fd = signals, .events = POLLIN}};
  for (;;) {
    if (poll(watched, 2, -1) == -1) {
      if (errno == EINTR) continue;
      _exit(EXIT_TROUBLE);
    }
    if (watched[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(signals, &info, sizeof info) == (ssize_t)sizeof info) {
        last_signal = (int)info.ssi_signo;
        struct message m = {MAGIC, PROTOCOL_VERSION, SIGNAL, last_signal};
        write_all(fd, (const char *)&m, sizeof m);
      }
    }
    if (watched[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      struct message m;
      int r = read_message(fd, &m);
      if (r == 1 && m.type == EXIT) _exit(m.value & 0xff);
      if (r != 1) end_like_worker(last_signal);
    }
  }
}
