import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlreadyExistsError, connectUnix, listenUnix, makeDirectories } from '@layerctl/sys';
import type { DaemonPaths } from './daemon-paths.ts';
import { prepareRehearsal } from './rehearsal.ts';

const WORKER_BIN = fileURLToPath(new URL('../../bin/layerctl-worker.js', import.meta.url));
/** Where a worker finds the listening socket: after stdin, stdout, stderr and the IPC channel. */
const WORKER_LISTEN_FD = 4;
const BACKLOG = 128;
/** Workers that die before taking a command this often in a row mean something is broken: stop. */
const MAX_EARLY_DEATHS = 5;
/** How long a stopped daemon gives its waiting workers to end on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3000;

export interface DaemonOptions {
  paths: DaemonPaths;
  /** How many warm workers wait for commands at once. */
  workers: number;
  /** The cgroup parent of the rehearsal containers; run's default when undefined. */
  cgroupParent?: string | undefined;
}

/**
 * The resident daemon: listens on the socket and keeps `workers` warm worker processes waiting on
 * it. Each worker takes one command and then runs on its own; the daemon readies the next one when
 * a taken worker ends, or at once when none is left waiting. Resolves with the exit status once
 * SIGTERM or SIGINT stopped it: the socket and pid file are removed, waiting workers are ended,
 * commands under way run to their end.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const { paths } = options;
  const listenFd = listenOn(paths.socket);
  fs.writeFileSync(paths.pidFile, `${process.pid}\n`);
  const pool = new WorkerPool(listenFd, options.workers, rehearsalOrNone(paths.socket, options.cgroupParent));
  const stopped = new Promise<number>((resolve) => {
    const stop = (): void => {
      pool.stop();
      fs.rmSync(paths.socket, { force: true });
      fs.rmSync(paths.pidFile, { force: true });
      fs.closeSync(listenFd);
      resolve(pool.failure === undefined ? 0 : 1);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    pool.onFailure = (): void => {
      process.stderr.write(`layerctl daemon: ${pool.failure}\n`);
      stop();
    };
  });
  pool.fill();
  process.stderr.write(`layerctl daemon: pid ${process.pid} listening on ${paths.socket} with ${options.workers} workers\n`);
  return stopped;
}

/** Workers rehearse a parse only when no rehearsal image can be made here (no gcc, say). */
function rehearsalOrNone(socket: string, cgroupParent: string | undefined): string[] | undefined {
  try {
    return prepareRehearsal(socket, cgroupParent);
  } catch (error) {
    process.stderr.write(`layerctl daemon: ${error instanceof Error ? error.message : String(error)}; workers will rehearse parsing only\n`);
    return undefined;
  }
}

/** Binds the socket, owner-only, after removing a socket nobody answers on; refuses one that answers. */
function listenOn(socketPath: string): number {
  makeDirectories(path.dirname(socketPath), 0o700);
  if (fs.existsSync(socketPath)) {
    if (answers(socketPath)) throw new AlreadyExistsError(`${socketPath}: a layerctl daemon already listens there (layerctl daemon stop)`);
    fs.rmSync(socketPath);
  }
  const fd = listenUnix(socketPath, BACKLOG);
  fs.chmodSync(socketPath, 0o600);
  return fd;
}

function answers(socketPath: string): boolean {
  try {
    fs.closeSync(connectUnix(socketPath));
    return true;
  } catch {
    return false; // ECONNREFUSED: a socket left by a daemon that died
  }
}

/** The warm workers: those waiting for a command, and how many died before taking one. */
class WorkerPool {
  readonly #listenFd: number;
  readonly #size: number;
  readonly #rehearsal: readonly string[] | undefined;
  readonly #waiting = new Set<ChildProcess>();
  #earlyDeaths = 0;
  #stopping = false;
  failure: string | undefined;
  onFailure: () => void = () => undefined;

  constructor(listenFd: number, size: number, rehearsal: readonly string[] | undefined) {
    this.#listenFd = listenFd;
    this.#size = size;
    this.#rehearsal = rehearsal;
  }

  fill(): void {
    while (!this.#stopping && this.#waiting.size < this.#size) this.#start();
  }

  stop(): void {
    this.#stopping = true;
    for (const worker of this.#waiting) worker.kill('SIGTERM');
    // A worker whose SIGTERM came as its rehearsal ended can be back in accept(2) with the signal
    // spent (Node runs a signal's listeners a loop turn later). Unref'd: it fires only if one stays;
    // a worker that took a command meanwhile has left the set and runs to its end.
    setTimeout(() => {
      for (const worker of this.#waiting) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  }

  #start(): void {
    const worker = spawn(process.execPath, [WORKER_BIN, String(WORKER_LISTEN_FD), JSON.stringify(this.#rehearsal ?? null)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', this.#listenFd],
    });
    this.#waiting.add(worker);
    worker.once('message', () => this.#taken(worker));
    worker.once('exit', (code, signal) => this.#exited(worker, code, signal));
  }

  #taken(worker: ChildProcess): void {
    this.#waiting.delete(worker);
    // Its command may outlive the daemon (\`daemon stop\` itself runs in a worker): not a reason to stay.
    worker.unref();
    this.#earlyDeaths = 0;
    // Another at once only when none waits: a worker's start competes for the CPU with the command just taken.
    if (this.#waiting.size === 0) this.fill();
  }

  #exited(worker: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#waiting.delete(worker) && !this.#stopping) {
      // A worker retires with status 0 when the checkout changed under it; anything else is a failure.
      if (code !== 0 && ++this.#earlyDeaths >= MAX_EARLY_DEATHS) {
        this.failure = `${MAX_EARLY_DEATHS} workers in a row ended before taking a command (last: ${signal ?? `status ${code}`}); stopping`;
        this.onFailure();
        return;
      }
    }
    this.fill();
  }
}
