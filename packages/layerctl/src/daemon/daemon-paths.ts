import path from 'node:path';
import { InvalidArgumentError } from '@layerctl/sys';

/** Names another socket (tests, a second daemon); the C client reads the same variable. */
export const SOCKET_VARIABLE = 'LAYERCTL_SOCKET';
/** Set (to anything) to make the client run Node itself even when a daemon listens. */
export const NO_DAEMON_VARIABLE = 'LAYERCTL_NO_DAEMON';
const ROOT_SOCKET = '/run/layerctl/daemon.sock';

/** Where a daemon listens and keeps its pid and log, beside its socket. */
export interface DaemonPaths {
  socket: string;
  pidFile: string;
  logFile: string;
}

/**
 * The daemon's socket for this user, as the C client (native/client/client.c) picks it: the
 * variable's value (absolute; the client ignores a relative one), /run/layerctl for root, else
 * under XDG_RUNTIME_DIR; undefined when none applies.
 */
export function daemonSocketPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env[SOCKET_VARIABLE];
  if (chosen !== undefined && chosen !== '') {
    if (!path.isAbsolute(chosen)) throw new InvalidArgumentError(`${SOCKET_VARIABLE}=${chosen}: the daemon's socket must be an absolute path`);
    return chosen;
  }
  if (process.geteuid?.() === 0) return ROOT_SOCKET;
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime?.startsWith('/') === true ? path.join(runtime, 'layerctl', 'daemon.sock') : undefined;
}

export function daemonPaths(socket: string): DaemonPaths {
  return { socket, pidFile: `${socket}.pid`, logFile: `${socket}.log` };
}
