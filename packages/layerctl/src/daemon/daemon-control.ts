import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AlreadyExistsError, FailedPreconditionError, makeDirectories, NotFoundError } from '@layerctl/sys';
import { SOCKET_VARIABLE, type DaemonPaths } from './daemon-paths.ts';
import { decodeMessage, encodeMessage, MESSAGE_BYTES, MessageType } from './daemon-protocol.ts';

const LAYERCTL_BIN = fileURLToPath(new URL('../../bin/layerctl.js', import.meta.url));
/** A first start may build the CLI's bundle and the init before its workers are warm. */
const START_SECONDS = 60;
const STOP_SECONDS = 10;
const POLL_MS = 50;

/** Whether a worker answers a ping on `socket` within `timeoutMs`. */
export function pingDaemon(socket: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.createConnection(socket);
    const done = (answered: boolean): void => {
      connection.destroy();
      resolve(answered);
    };
    let reply = Buffer.alloc(0);
    connection.setTimeout(timeoutMs, () => done(false));
    connection.on('error', () => done(false));
    connection.on('connect', () => connection.write(encodeMessage(MessageType.ping)));
    connection.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply.length >= MESSAGE_BYTES) done(decodeMessage(reply.subarray(0, MESSAGE_BYTES), socket).type === MessageType.pong);
    });
    connection.on('end', () => done(false));
  });
}

/** The daemon's pid from its pid file, if the file is there and that process still runs. */
export function runningPid(paths: DaemonPaths): number | undefined {
  if (!fs.existsSync(paths.pidFile)) return undefined;
  const pid = Number(fs.readFileSync(paths.pidFile, 'utf8').trim());
  return Number.isSafeInteger(pid) && pid > 0 && isRunning(pid) ? pid : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH
  }
}

/**
 * Starts `layerctl daemon run` in a session of its own, its output appended to the log beside the
 * socket, and waits until a worker answers. Refuses when a daemon already answers there.
 */
export async function startDaemon(paths: DaemonPaths, options: { workers: number; cgroupParent?: string | undefined }): Promise<number> {
  if (await pingDaemon(paths.socket)) throw new AlreadyExistsError(`${paths.socket}: a layerctl daemon already answers there (pid ${runningPid(paths) ?? 'unknown'})`);
  makeDirectories(path.dirname(paths.socket), 0o700);
  const log = fs.openSync(paths.logFile, 'a', 0o600);
  const parent = options.cgroupParent === undefined ? [] : ['--cgroup-parent', options.cgroupParent];
  const daemon = spawn(process.execPath, [LAYERCTL_BIN, 'daemon', 'run', '--workers', String(options.workers), ...parent], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, [SOCKET_VARIABLE]: paths.socket },
  });
  fs.closeSync(log);
  let exited: string | undefined;
  daemon.once('exit', (code, signal) => {
    exited = signal ?? `status ${code}`;
  });
  daemon.unref();
  for (const deadline = Date.now() + START_SECONDS * 1000; Date.now() < deadline; await sleep(POLL_MS)) {
    if (exited !== undefined) throw new FailedPreconditionError(`the daemon ended (${exited}) before it answered: ${lastLine(paths.logFile)}`);
    if (await pingDaemon(paths.socket)) return daemon.pid ?? 0;
  }
  daemon.kill('SIGTERM');
  throw new FailedPreconditionError(`the daemon did not answer on ${paths.socket} within ${START_SECONDS} s; see ${paths.logFile}`);
}

/** Stops the daemon (SIGTERM) and waits for it to end; commands its workers are running go on. */
export async function stopDaemon(paths: DaemonPaths): Promise<number> {
  const pid = runningPid(paths);
  if (pid === undefined) throw new NotFoundError(`no layerctl daemon runs for ${paths.socket} (no live pid in ${paths.pidFile})`);
  process.kill(pid, 'SIGTERM');
  for (const deadline = Date.now() + STOP_SECONDS * 1000; Date.now() < deadline; await sleep(POLL_MS)) {
    if (!isRunning(pid)) return pid;
  }
  throw new FailedPreconditionError(`the daemon (pid ${pid}) did not end within ${STOP_SECONDS} s of SIGTERM; see ${paths.logFile}`);
}

function lastLine(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  return lines.at(-1) ?? '(its log is empty)';
}
