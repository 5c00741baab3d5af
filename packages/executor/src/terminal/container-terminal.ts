import { openpty, setCloexec, setWindowSize } from '@layerctl/sys';
import type { Spec } from '../spec/runtime-spec.ts';

/** A container's pseudo-terminal as its caller holds it: the master side, and a way to resize it. */
export interface ContainerTerminal {
  master: number;
  resize(columns: number, rows: number): void;
}

/**
 * Opens the pty whose slave becomes the container's stdin, stdout and stderr (and its controlling
 * terminal, made so by the init). Both ends are close-on-exec here: the init gets the slave as
 * fds 0-2 only, and no program ever inherits the master.
 */
export function openContainerPty(spec: Spec): { master: number; slave: number } {
  const size = spec.process.consoleSize;
  const pty = openpty(size === undefined ? undefined : { columns: size.width, rows: size.height });
  setCloexec(pty.master);
  setCloexec(pty.slave);
  return pty;
}

/** The caller's handle on the master: resize passes the window size on (the program gets SIGWINCH). */
export function containerTerminal(master: number): ContainerTerminal {
  return { master, resize: (columns, rows) => setWindowSize(master, { columns, rows }) };
}
