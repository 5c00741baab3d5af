import fs from 'node:fs';
import tty from 'node:tty';
import { getWindowSize, restoreTerminalMode, setRawMode, type TerminalMode } from '@layerctl/sys';
import type { ContainerTerminal } from './container-terminal.ts';

export interface TerminalAttachment {
  /** Resolves when the container's side of the pty has closed (its last process exited). */
  readonly closed: Promise<void>;
  /** Stops copying, puts the caller's terminal mode back and closes the master. Idempotent. */
  detach(): void;
}

/** The caller's side: streams to copy, and the descriptors behind them when they are terminals. */
export interface TerminalIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Put in raw mode while attached when it is a terminal. */
  inputFd?: number;
  /** Its window size goes to the container's pty, now and on each SIGWINCH. */
  outputFd?: number;
}

/** The process's own stdio, made on first use: a daemon's worker gets its client's stdio after loading this module. */
function processStdio(): TerminalIo {
  return { input: process.stdin, output: process.stdout, inputFd: 0, outputFd: 1 };
}

/**
 * Connects the caller's terminal to a container's pty, as `docker run -it` does: the caller's
 * terminal goes raw (the container's pty does the line editing and echo), bytes are copied both
 * ways, a window resize of the caller's terminal (SIGWINCH) is passed on, and on detach the raw
 * mode is undone even if the container died mid-way.
 */
export function attachTerminal(terminal: ContainerTerminal, io: TerminalIo = processStdio()): TerminalAttachment {
  const { input, output } = io;
  const inputFd = io.inputFd !== undefined && tty.isatty(io.inputFd) ? io.inputFd : undefined;
  const outputFd = io.outputFd !== undefined && tty.isatty(io.outputFd) ? io.outputFd : undefined;
  const saved: TerminalMode | undefined = inputFd === undefined ? undefined : setRawMode(inputFd);
  const resize = (): void => {
    if (outputFd !== undefined) {
      const size = getWindowSize(outputFd);
      terminal.resize(size.columns, size.rows);
    }
  };
  resize();
  process.on('SIGWINCH', resize);
  // A tty.ReadStream over the master: reads come from libuv without tying up a pool thread. It
  // owns the descriptor (and closes it); writes go to the same descriptor in order.
  const master = new tty.ReadStream(terminal.master);
  const writer = masterWriter(terminal.master);
  const onInput = (chunk: Buffer | string): void => writer(Buffer.from(chunk));
  input.on('data', onInput);
  master.pipe(output, { end: false });
  let detached = false;
  const detach = (): void => {
    if (detached) return;
    detached = true;
    process.off('SIGWINCH', resize);
    input.off('data', onInput);
    if ('pause' in input && typeof input.pause === 'function') input.pause();
    master.unpipe(output);
    master.destroy();
    if (saved !== undefined && inputFd !== undefined) restoreTerminalMode(inputFd, saved);
  };
  const closed = new Promise<void>((resolve) => {
    // EIO on the master is how Linux says the slave side has no holder left.
    master.once('error', () => resolve());
    master.once('end', () => resolve());
    master.once('close', () => resolve());
  });
  return { closed, detach };
}

// libuv made the master non-blocking: a write the pty cannot take now (EAGAIN) waits a moment.
const RETRY_MS = 10;

function masterWriter(fd: number): (chunk: Buffer) => void {
  const queue: Buffer[] = [];
  let writing = false;
  const next = (): void => {
    const chunk = queue[0];
    if (chunk === undefined) {
      writing = false;
      return;
    }
    writing = true;
    fs.write(fd, chunk, (error, written) => {
      if (error !== null && error.code !== 'EAGAIN') {
        // The container side is gone (EIO/EBADF after detach): what is left has nowhere to go.
        queue.length = 0;
        writing = false;
        return;
      }
      if (error === null) {
        if (written === chunk.length) queue.shift();
        else queue[0] = chunk.subarray(written);
        next();
      } else setTimeout(next, RETRY_MS);
    });
  };
  return (chunk) => {
    queue.push(chunk);
    if (!writing) next();
  };
}

/** Closes a master fd that was never attached (the container failed to start, say). */
export function closeTerminal(terminal: ContainerTerminal): void {
  fs.closeSync(terminal.master);
}
