import { check } from './check.ts';
import { InvalidArgumentError, SysError } from './errors.ts';
import { lastErrno, lazyBinding } from './libc.ts';

/**
 * AF_UNIX stream sockets as the daemon needs them and Node's net module cannot give: a listening
 * socket that several processes accept on with a blocking accept(2), the peer's credentials, and
 * descriptors passed with SCM_RIGHTS (a client hands its stdin, stdout and stderr to the process
 * that runs its command). Everything here is synchronous and 64-bit Linux only.
 */

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SCM_RIGHTS = 1;
const MSG_CTRUNC = 0x8;
const MSG_CMSG_CLOEXEC = 0x40000000;
const EINTR = 4;
/** struct sockaddr_un: sa_family_t then 108 bytes of path, NUL-terminated. */
const SOCKADDR_UN_BYTES = 110;
const SUN_PATH_OFFSET = 2;
const SUN_PATH_MAX = 107;
/** struct msghdr and struct iovec on 64-bit Linux. */
const MSGHDR_BYTES = 56;
const IOVEC_BYTES = 16;
/** struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type, then the data, 8-byte aligned. */
const CMSGHDR_BYTES = 16;
const FD_BYTES = 4;

/** Who is at the other end of a connected AF_UNIX socket, as the kernel recorded at connect(2). */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** What one recvmsg(2) brought: `bytes` of data (0 at end of stream) and the descriptors passed. */
export interface Received {
  bytes: number;
  fds: number[];
}

interface SocketLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, address: null, length: null, flags: number): number;
  connect(fd: number, address: Buffer, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: Buffer): number;
  recvmsg(fd: number, message: Buffer, flags: number): number;
  sendmsg(fd: number, message: Buffer, flags: number): number;
  close(fd: number): number;
  /** Where a Buffer's bytes are; they stay put while a synchronous call runs. */
  address(bytes: Buffer): bigint;
}

const bind = lazyBinding(
  (lib, koffi): SocketLibc => ({
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *address, uint32_t length)'),
    listen: lib.func('int listen(int fd, int backlog)'),
    accept4: lib.func('int accept4(int fd, void *address, void *length, int flags)'),
    connect: lib.func('int connect(int fd, const void *address, uint32_t length)'),
    getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *value, void *length)'),
    recvmsg: lib.func('intptr_t recvmsg(int fd, void *message, int flags)'),
    sendmsg: lib.func('intptr_t sendmsg(int fd, const void *message, int flags)'),
    close: lib.func('int close(int fd)'),
    address: (bytes) => koffi.address(bytes),
  }),
);

function socketAddress(socketPath: string): Buffer {
  const pathBytes = Buffer.from(socketPath);
  if (pathBytes.length === 0 || pathBytes.length > SUN_PATH_MAX || pathBytes.includes(0)) {
    throw new InvalidArgumentError(`${socketPath}: a unix socket path must be 1 to ${SUN_PATH_MAX} bytes with no NUL`);
  }
  const address = Buffer.alloc(SOCKADDR_UN_BYTES);
  address.writeUInt16LE(AF_UNIX, 0);
  pathBytes.copy(address, SUN_PATH_OFFSET);
  return address;
}

function newStreamSocket(socketPath: string): number {
  return check(bind().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 'socket', socketPath);
}

/** Calls `call` again while it fails with EINTR: a signal to Node's thread must not fail a wait. */
function retryOnInterrupt(call: () => number, name: string, subject: string): number {
  for (;;) {
    const ret = call();
    if (ret !== -1) return ret;
    const errno = lastErrno();
    if (errno !== EINTR) throw new SysError(name, errno, subject);
  }
}

/** A close-on-exec AF_UNIX stream socket bound at `socketPath` and listening. */
export function listenUnix(socketPath: string, backlog: number): number {
  const address = socketAddress(socketPath);
  const fd = newStreamSocket(socketPath);
  try {
    check(bind().bind(fd, address, address.length), 'bind', socketPath);
    check(bind().listen(fd, backlog), 'listen', socketPath);
    return fd;
  } catch (error) {
    bind().close(fd);
    throw error;
  }
}

/** A close-on-exec socket connected to `socketPath`; fails as connect(2) does (ENOENT, ECONNREFUSED). */
export function connectUnix(socketPath: string): number {
  const address = socketAddress(socketPath);
  const fd = newStreamSocket(socketPath);
  try {
    retryOnInterrupt(() => bind().connect(fd, address, address.length), 'connect', socketPath);
    return fd;
  } catch (error) {
    bind().close(fd);
    throw error;
  }
}

/** Waits for the next connection on a listening socket and returns it, close-on-exec. */
export function acceptConnection(listenFd: number): number {
  return retryOnInterrupt(() => bind().accept4(listenFd, null, null, SOCK_CLOEXEC), 'accept4', `fd ${listenFd}`);
}

/** The pid, uid and gid of the process that connected the socket's other end (SO_PEERCRED). */
export function peerCredentials(fd: number): PeerCredentials {
  const ucred = Buffer.alloc(12);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(ucred.length, 0);
  check(bind().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, length), 'getsockopt SO_PEERCRED', `fd ${fd}`);
  return { pid: ucred.readInt32LE(0), uid: ucred.readUInt32LE(4), gid: ucred.readUInt32LE(8) };
}

function controlBytes(fdCount: number): number {
  return CMSGHDR_BYTES + Math.ceil((fdCount * FD_BYTES) / 8) * 8;
}

/**
 * A struct msghdr over one iovec (`data`) and an optional control buffer. `pointees` holds the
 * Buffers it points at: the caller uses it after the call, so that no garbage collection while koffi
 * marshals the arguments can free memory the header only knows by address.
 */
function messageHeader(data: Buffer, control: Buffer | undefined): { header: Buffer; pointees: Buffer[] } {
  const { address } = bind();
  const iovec = Buffer.alloc(IOVEC_BYTES);
  iovec.writeBigUInt64LE(address(data), 0);
  iovec.writeBigUInt64LE(BigInt(data.length), 8);
  const header = Buffer.alloc(MSGHDR_BYTES);
  header.writeBigUInt64LE(address(iovec), 16);
  header.writeBigUInt64LE(1n, 24);
  if (control !== undefined) {
    header.writeBigUInt64LE(address(control), 32);
    header.writeBigUInt64LE(BigInt(control.length), 40);
  }
  return { header, pointees: [iovec, data, ...(control === undefined ? [] : [control])] };
}

/**
 * Reads up to `into.length` bytes and any descriptors (at most `maxFds`) sent with them. The
 * descriptors arrive close-on-exec. When more were sent than fit, the kernel closes the rest: that
 * is refused, after closing the ones that came, since the sender's message was not what we expect.
 */
export function receiveWithFds(fd: number, into: Buffer, maxFds: number): Received {
  const control = Buffer.alloc(controlBytes(maxFds));
  const { header, pointees } = messageHeader(into, control);
  const bytes = retryOnInterrupt(() => bind().recvmsg(fd, header, MSG_CMSG_CLOEXEC), 'recvmsg', `fd ${fd}`);
  pointees.length = 0;
  const fds = descriptorsIn(control, Number(header.readBigUInt64LE(40)));
  if ((header.readInt32LE(48) & MSG_CTRUNC) !== 0) {
    for (const received of fds) bind().close(received);
    throw new InvalidArgumentError(`fd ${fd}: the peer sent more than ${maxFds} descriptors`);
  }
  return { bytes, fds };
}

function descriptorsIn(control: Buffer, length: number): number[] {
  const fds: number[] = [];
  let offset = 0;
  while (offset + CMSGHDR_BYTES <= length) {
    const messageLength = Number(control.readBigUInt64LE(offset));
    if (messageLength < CMSGHDR_BYTES) break;
    const level = control.readInt32LE(offset + 8);
    const type = control.readInt32LE(offset + 12);
    if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let at = offset + CMSGHDR_BYTES; at + FD_BYTES <= offset + messageLength; at += FD_BYTES) fds.push(control.readInt32LE(at));
    }
    offset += Math.ceil(messageLength / 8) * 8;
  }
  return fds;
}

/** Sends `data` (in one sendmsg, which may write part of it) with `fds` attached; returns the bytes sent. */
export function sendWithFds(fd: number, data: Buffer, fds: readonly number[]): number {
  let control: Buffer | undefined;
  if (fds.length > 0) {
    control = Buffer.alloc(controlBytes(fds.length));
    control.writeBigUInt64LE(BigInt(CMSGHDR_BYTES + fds.length * FD_BYTES), 0);
    control.writeInt32LE(SOL_SOCKET, 8);
    control.writeInt32LE(SCM_RIGHTS, 12);
    fds.forEach((passed, i) => control?.writeInt32LE(passed, CMSGHDR_BYTES + i * FD_BYTES));
  }
  const { header, pointees } = messageHeader(data, control);
  const sent = retryOnInterrupt(() => bind().sendmsg(fd, header, 0), 'sendmsg', `fd ${fd}`);
  pointees.length = 0;
  return sent;
}
