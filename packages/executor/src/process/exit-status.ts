import os from 'node:os';

/** How a container's PID 1 ended. `code` is the shell's number: 128+n for death by signal n, as Docker. */
export interface ExitStatus {
  code: number;
  signal?: NodeJS.Signals;
  /** The kernel's OOM killer killed a process of the container's cgroup. */
  oomKilled: boolean;
}

/** The shell's exit status for a child_process 'exit' event. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null, oomKilled: boolean): ExitStatus {
  if (signal !== null) return { code: 128 + os.constants.signals[signal], signal, oomKilled };
  return { code: code ?? 0, oomKilled };
}
