/**
 * How the parent and the init (native/init) talk, over three inherited descriptors:
 * - PLAN_FD, parent -> init: the init plan (init-plan.ts), written right after the spawn and
 *   closed; the init reads it to EOF before doing anything. A pipe rather than a file in the
 *   bundle: nothing to write to (possibly read-only, possibly slow) disk, nothing left behind,
 *   and no stale plan can ever be read.
 * - GO_FD, parent -> init: one byte for each wait_go of the plan: before the init mounts the
 *   container's cgroup directories, once the parent has made them, and before exec, once the
 *   parent has put the init in its cgroups; EOF first = abort.
 * - ERROR_FD, init -> parent: close-on-exec, so a successful execve closes it with nothing
 *   written (EOF = the program runs); on failure the init writes one InitFailure JSON line.
 */
export const GO_FD = 3;
export const ERROR_FD = 4;
export const PLAN_FD = 5;
/** The byte the parent sends on GO_FD. */
export const GO_BYTE = 0x01;
/** An error line is a few hundred bytes; the parent reads no more than this. */
export const MAX_FAILURE_BYTES = 64 * 1024;

/** Docker's exit codes for a program that cannot be started. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_NOT_EXECUTABLE = 126;
/** The init itself failed (a mount, a namespace): the container runtime's fault, as Docker's 125. */
export const EXIT_INIT_FAILED = 125;

export interface InitFailure {
  message: string;
  exitCode: number;
}

/** Parses the init's error line; anything else it wrote is reported as it is. */
export function parseInitFailure(text: string): InitFailure {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && 'message' in json && 'exitCode' in json) {
      const { message, exitCode } = json;
      if (typeof message === 'string' && typeof exitCode === 'number') return { message, exitCode };
    }
  } catch {
    // Not JSON: the init died writing it; the raw text is the best account there is.
  }
  return { message: `container init failed: ${text.trim().slice(0, 500)}`, exitCode: EXIT_INIT_FAILED };
}
