import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

/**
 * Pseudo-terminals: openpty(3), the controlling terminal (setsid, TIOCSCTTY), the window size
 * (TIOCGWINSZ/TIOCSWINSZ) and raw mode (termios saved, cfmakeraw, restored).
 */

const TIOCSCTTY = 0x540e;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TCSANOW = 0;
// struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
const WINSIZE_SIZE = 8;
// struct termios is 60 bytes in glibc on Linux; a little room costs nothing.
const TERMIOS_SIZE = 64;

interface PtyLibc {
  openpty(master: number[], slave: number[], name: null, termp: null, winp: Buffer | null): number;
  setsid(): number;
  ioctl(fd: number, request: number, ...typedArgs: unknown[]): number;
  tcgetattr(fd: number, termios: Buffer): number;
  tcsetattr(fd: number, when: number, termios: Buffer): number;
  cfmakeraw(termios: Buffer): void;
}

// openpty moved from libutil into libc in glibc 2.34.
const bind = lazyBinding(
  (lib): PtyLibc => ({
    openpty: lib.func('int openpty(_Out_ int *master, _Out_ int *slave, char *name, void *termp, void *winp)'),
    setsid: lib.func('int setsid(void)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    tcgetattr: lib.func('int tcgetattr(int fd, void *termios)'),
    tcsetattr: lib.func('int tcsetattr(int fd, int when, const void *termios)'),
    cfmakeraw: lib.func('void cfmakeraw(void *termios)'),
  }),
);

export interface WindowSize {
  columns: number;
  rows: number;
}

/** A new pseudo-terminal pair. Both descriptors are the caller's to close; neither is close-on-exec. */
export function openpty(size?: WindowSize): { master: number; slave: number } {
  const master = [-1];
  const slave = [-1];
  check(bind().openpty(master, slave, null, null, size === undefined ? null : winsize(size)), 'openpty');
  return { master: master[0] ?? -1, slave: slave[0] ?? -1 };
}

/** setsid(2): the caller leads a new session, without a controlling terminal; returns the session id. */
export function setsid(): number {
  return check(bind().setsid(), 'setsid');
}

/** TIOCSCTTY: the terminal at `fd` becomes the controlling terminal of the caller's session. */
export function setControllingTerminal(fd: number): void {
  check(bind().ioctl(fd, TIOCSCTTY, 'int', 0), 'ioctl TIOCSCTTY', `fd ${fd}`);
}

/** TIOCGWINSZ: the window size of the terminal at `fd`. */
export function getWindowSize(fd: number): WindowSize {
  const buf = Buffer.alloc(WINSIZE_SIZE);
  check(bind().ioctl(fd, TIOCGWINSZ, 'void *', buf), 'ioctl TIOCGWINSZ', `fd ${fd}`);
  return { rows: buf.readUInt16LE(0), columns: buf.readUInt16LE(2) };
}

/** TIOCSWINSZ: sets the window size; the session's foreground group gets SIGWINCH. */
export function setWindowSize(fd: number, size: WindowSize): void {
  check(bind().ioctl(fd, TIOCSWINSZ, 'void *', winsize(size)), 'ioctl TIOCSWINSZ', `fd ${fd}`);
}

/** The terminal modes of a terminal, as saved by setRawMode, to be put back by restoreTerminalMode. */
export interface TerminalMode {
  readonly termios: Buffer;
}

/** Puts the terminal at `fd` in raw mode (cfmakeraw) and returns the modes it had. */
export function setRawMode(fd: number): TerminalMode {
  const saved = Buffer.alloc(TERMIOS_SIZE);
  check(bind().tcgetattr(fd, saved), 'tcgetattr', `fd ${fd}`);
  const raw = Buffer.from(saved);
  bind().cfmakeraw(raw);
  check(bind().tcsetattr(fd, TCSANOW, raw), 'tcsetattr', `fd ${fd}`);
  return { termios: saved };
}

/** Puts back the modes setRawMode saved. */
export function restoreTerminalMode(fd: number, mode: TerminalMode): void {
  check(bind().tcsetattr(fd, TCSANOW, mode.termios), 'tcsetattr', `fd ${fd}`);
}

function winsize(size: WindowSize): Buffer {
  const buf = Buffer.alloc(WINSIZE_SIZE);
  buf.writeUInt16LE(size.rows, 0);
  buf.writeUInt16LE(size.columns, 2);
  return buf;
}
