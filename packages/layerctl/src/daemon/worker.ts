import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { setImmediate } from 'node:timers/promises';
import { acceptConnection, dupOnto, FailedPreconditionError, InvalidArgumentError, peerCredentials, receiveWithFds, setParentDeathSignal } from '@layerctl/sys';
import { decodeCommand, decodeMessage, encodeMessage, MAGIC, MAX_PAYLOAD_BYTES, MESSAGE_BYTES, MessageType, PASSED_FDS, PROTOCOL_VERSION, type CommandRequest, type Message } from './daemon-protocol.ts';
import { sharesWorld } from './shares-world.ts';
import { warmUp } from './warm-up.ts';

export interface WorkerOptions {
  /** The daemon's listening socket, shared by its workers: the kernel gives each connection to one. */
  listenFd: number;
  /** False once the checkout's code changed after this worker loaded it. */
  isCurrent(): boolean;
  /** Runs a command line as bin/layerctl.js would and returns its exit status. */
  run(args: string[]): Promise<number>;
  /** The command line to rehearse with (rehearsal.ts), if the daemon made one. */
  rehearsal: readonly string[] | undefined;
  /** Tells the daemon this worker took a command, so that it readies another. */
  taken(): Promise<void>;
}

/** A connection whose command this worker runs, and the client's stdin, stdout and stderr. */
interface Taken {
  connection: number;
  stdio: number[];
  request: CommandRequest;
}

/**
 * A daemon's worker: loads every module, waits for one command, becomes its client's process (stdio,
 * working directory, umask, environment) and runs it. One command per process, as without a
 * daemon: nothing a command leaves behind in memory can reach the next. The exit status goes back
 * when the process exits, however it exits; signals the client gets are raised here.
 */
export async function serveOneCommand(options: WorkerOptions): Promise<void> {
  const daemon = process.ppid;
  if (!endWithDaemon(daemon, os.constants.signals.SIGTERM)) return;
  await deferTermination(() => warmUp(options.run, options.rehearsal));
  // Waiting in accept(2) there is nothing to clean up: the daemon's end may kill outright, which
  // no SIGTERM spent at the end of the rehearsal can miss.
  if (!endWithDaemon(daemon, os.constants.signals.SIGKILL)) return;
  const taken = nextCommand(options);
  // The command is the client's now: it runs to its end even if the daemon stops meanwhile.
  setParentDeathSignal(0);
  await options.taken();
  becomeClient(taken);
  process.exitCode = await options.run(taken.request.args);
}

/**
 * A waiting worker ends with its daemon (`signal` when the daemon's thread that spawned it ends,
 * even by SIGKILL): otherwise it would wait forever on a socket nobody can reach any more. False
 * when the daemon was already gone before that was set.
 */
function endWithDaemon(daemon: number, signal: number): boolean {
  setParentDeathSignal(signal);
  return process.ppid === daemon;
}

/**
 * Runs `fn` with SIGTERM held until it is done: a rehearsal stopped half-way would leave its
 * container's mounts and cgroups behind. Afterwards SIGTERM is back to its default, which ends the
 * worker even while it waits in accept(2), where no JavaScript handler could run. A SIGTERM in the
 * few microseconds between is spent; the daemon's stop follows up with SIGKILL (daemon.ts).
 */
async function deferTermination(fn: () => Promise<void>): Promise<void> {
  let terminated = false;
  const hold = (): void => {
    terminated = true;
  };
  process.on('SIGTERM', hold);
  try {
    await fn();
    // Node runs a signal's listeners in a later loop turn than the one that caught it: two turns
    // let one that came during fn's last steps reach `hold` before SIGTERM is back to its default.
    await setImmediate();
    await setImmediate();
  } finally {
    process.off('SIGTERM', hold);
  }
  if (terminated) process.exit(0);
}

function nextCommand(options: WorkerOptions): Taken {
  for (;;) {
    const connection = acceptConnection(options.listenFd);
    try {
      const taken = readCommand(connection, options);
      if (taken !== undefined) return taken;
    } catch (error) {
      logToDaemon(error instanceof Error ? error.message : String(error));
    }
    fs.closeSync(connection);
  }
}

/**
 * The command on `connection`, or undefined when it was a ping, the client must run it itself
 * (declined), or the client gave up waiting for a worker and closed the connection.
 */
function readCommand(connection: number, options: WorkerOptions): Taken | undefined {
  const from = `connection ${connection}`;
  const uid = process.getuid?.();
  const peer = peerCredentials(connection);
  if (peer.uid !== uid) throw new FailedPreconditionError(`${from}: process ${peer.pid} of uid ${peer.uid} connected; this daemon serves uid ${uid} only`);
  const greeting = readMessage(connection, from);
  if (greeting === undefined) return undefined;
  if (greeting.type === MessageType.ping) {
    fs.writeSync(connection, encodeMessage(MessageType.pong));
    return undefined;
  }
  if (greeting.type !== MessageType.hello) throw new InvalidArgumentError(`${from}: message type ${greeting.type} where hello comes first`);
  if (greeting.version !== PROTOCOL_VERSION || !sharesWorld(peer.pid)) {
    fs.writeSync(connection, encodeMessage(MessageType.declined));
    return undefined;
  }
  if (!options.isCurrent()) {
    fs.writeSync(connection, encodeMessage(MessageType.declined));
    retire();
  }
  fs.writeSync(connection, encodeMessage(MessageType.ready));
  return receiveCommand(connection, from);
}

/** The next message, or undefined at once at end of stream (a client that gave up waiting). */
function readMessage(connection: number, from: string): Message | undefined {
  const bytes = Buffer.alloc(MESSAGE_BYTES);
  const first = fs.readSync(connection, bytes, 0, MESSAGE_BYTES, null);
  if (first === 0) return undefined;
  readExactly(connection, bytes.subarray(first), from);
  return decodeMessage(bytes, from);
}

/** The command's header with the client's stdin, stdout and stderr, and its payload. */
function receiveCommand(connection: number, from: string): Taken | undefined {
  const header = Buffer.alloc(MESSAGE_BYTES);
  const { bytes, fds } = receiveWithFds(connection, header, PASSED_FDS);
  if (bytes === 0) return undefined;
  try {
    readExactly(connection, header.subarray(bytes), from);
    const message = decodeMessage(header, from);
    if (message.type !== MessageType.command) throw new InvalidArgumentError(`${from}: message type ${message.type} where the command comes`);
    if (fds.length !== PASSED_FDS) throw new InvalidArgumentError(`${from}: a command came with ${fds.length} descriptors, not stdin, stdout and stderr`);
    if (message.value < 0 || message.value > MAX_PAYLOAD_BYTES) throw new InvalidArgumentError(`${from}: a command of ${message.value} bytes`);
    const payload = Buffer.alloc(message.value);
    readExactly(connection, payload, from);
    return { connection, stdio: fds, request: decodeCommand(payload, from) };
  } catch (error) {
    // Held, the client's stdout would keep whoever reads it waiting after the client is gone.
    for (const fd of fds) fs.closeSync(fd);
    throw error;
  }
}

/**
 * A line in the daemon's log, which is this worker's stderr until it takes a command. Written to the
 * descriptor, not process.stderr: that stream must first be made once stderr is the client's.
 */
function logToDaemon(line: string): void {
  fs.writeSync(2, `layerctl daemon: worker ${process.pid}: ${line}\n`);
}

/** Old code answers no command: this worker ends, and the daemon's next ones load the checkout as it is now. */
function retire(): never {
  process.exit(0);
}

function readExactly(fd: number, into: Buffer, from: string): void {
  let offset = 0;
  while (offset < into.length) {
    const read = fs.readSync(fd, into, offset, into.length - offset, null);
    if (read === 0) throw new InvalidArgumentError(`${from}: the client hung up after ${offset} of ${into.length} bytes`);
    offset += read;
  }
}

/** Takes on the client's stdio, directory, umask and environment, before anything opens process.stdout. */
function becomeClient({ connection, stdio, request }: Taken): void {
  stdio.forEach((fd, target) => {
    dupOnto(fd, target);
    fs.closeSync(fd);
  });
  process.chdir(request.cwd);
  process.umask(request.umask);
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, request.env);
  process.argv = [process.argv[0] ?? process.execPath, process.argv[1] ?? '', ...request.args];
  process.on('exit', (code) => {
    fs.writeSync(connection, encodeMessage(MessageType.exit, code));
  });
  relaySignals(connection);
}

/** The signals the client forwards (native/client/client.c); any other number is ignored. */
const RELAYED_SIGNALS: ReadonlySet<number> = new Set(
  (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const).map((name) => os.constants.signals[name]),
);

/**
 * Raises here each signal the client forwards, so a command's own handlers (run passes them to its
 * container) act as they would in the client's process. A client that goes away hangs up, as a
 * closed terminal does.
 */
function relaySignals(connection: number): void {
  const socket = new net.Socket({ fd: connection, readable: true, writable: false });
  socket.unref();
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (; pending.length >= MESSAGE_BYTES; pending = pending.subarray(MESSAGE_BYTES)) {
      if (pending.readUInt32LE(0) !== MAGIC) {
        socket.destroy(); // not our client's bytes: stop listening rather than raise signals from them
        return;
      }
      const message = decodeMessage(pending.subarray(0, MESSAGE_BYTES), 'the client');
      if (message.type === MessageType.signal && RELAYED_SIGNALS.has(message.value)) process.kill(process.pid, message.value);
    }
  });
  socket.on('end', () => process.kill(process.pid, 'SIGHUP'));
  socket.on('error', () => process.kill(process.pid, 'SIGHUP'));
}
