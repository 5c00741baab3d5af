import fs from 'node:fs';
import os from 'node:os';
import { check } from './check.ts';
import { SysError } from './errors.ts';
import { lazyBinding } from './libc.ts';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;
// struct ifreq: a 16-byte name, then a union whose first member here is short ifr_flags.
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;

interface InterfaceLibc {
  socket(domain: number, type: number, protocol: number): number;
  ioctl(fd: number, request: number, ...typedArgs: unknown[]): number;
}

const bind = lazyBinding(
  (lib): InterfaceLibc => ({
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
  }),
);

/**
 * Brings a network interface up (SIOCSIFFLAGS |= IFF_UP) in the calling thread's network
 * namespace: a new namespace's `lo` starts down. The socket is made on the calling thread, so it
 * belongs to that thread's namespace even when Node's other threads are elsewhere.
 */
export function interfaceUp(name: string): void {
  if (Buffer.byteLength(name) >= IFNAMSIZ) throw new SysError('ioctl SIOCSIFFLAGS', os.constants.errno.EINVAL, name);
  const fd = check(bind().socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket', 'AF_INET');
  try {
    const ifreq = Buffer.alloc(IFREQ_SIZE);
    ifreq.write(name, 0, 'utf8');
    check(bind().ioctl(fd, SIOCGIFFLAGS, 'void *', ifreq), 'ioctl SIOCGIFFLAGS', name);
    ifreq.writeInt16LE(ifreq.readInt16LE(IFNAMSIZ) | IFF_UP, IFNAMSIZ);
    check(bind().ioctl(fd, SIOCSIFFLAGS, 'void *', ifreq), 'ioctl SIOCSIFFLAGS', name);
  } finally {
    fs.closeSync(fd);
  }
}
