import { InvalidArgumentError } from '@layerctl/sys';

/**
 * What the client (native/client/client.c) and a daemon's worker say to each other on a connected
 * AF_UNIX stream socket. Every message is four little-endian 32-bit words: magic, version, type,
 * value. The client says hello; a worker that takes the connection answers ready (or declined);
 * then the command's header carries the client's stdin, stdout and stderr (SCM_RIGHTS) and is
 * followed by `value` bytes of payload (encodeCommand). The C client defines the same numbers:
 * change both together and bump PROTOCOL_VERSION.
 */
export const MAGIC = 0x4c54434c; // "LCTL"
export const PROTOCOL_VERSION = 2;
export const MESSAGE_BYTES = 16;
/** The client's stdin, stdout and stderr. */
export const PASSED_FDS = 3;
/** A command line and environment past this is not something a shell could have passed. */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

export const MessageType = {
  /** client: run this command (value: payload bytes). */
  command: 1,
  /** client: are you there (no descriptors, no payload). */
  ping: 2,
  /** client: I got this signal (value: its number). */
  signal: 3,
  /** client: a command follows if you are ready for it. */
  hello: 4,
  /** worker: yes. */
  pong: 17,
  /**
   * worker: run the command yourself; my code is not the checkout's any more, or you see another
   * system (namespaces, root directory), or you speak another version.
   */
  declined: 18,
  /** worker: the command ended with this status (value: 0-255). */
  exit: 19,
  /** worker: I took your connection; send the command. */
  ready: 20,
} as const;

export interface Message {
  version: number;
  type: number;
  value: number;
}

export function encodeMessage(type: number, value = 0): Buffer {
  const bytes = Buffer.alloc(MESSAGE_BYTES);
  bytes.writeUInt32LE(MAGIC, 0);
  bytes.writeUInt32LE(PROTOCOL_VERSION, 4);
  bytes.writeUInt32LE(type, 8);
  bytes.writeInt32LE(value, 12);
  return bytes;
}

/** The message in `bytes`, or an InvalidArgumentError naming `from` when it is not one of ours. */
export function decodeMessage(bytes: Buffer, from: string): Message {
  if (bytes.length !== MESSAGE_BYTES || bytes.readUInt32LE(0) !== MAGIC) {
    throw new InvalidArgumentError(`${from}: not a layerctl daemon message (${bytes.length} bytes, wrong magic or length)`);
  }
  return { version: bytes.readUInt32LE(4), type: bytes.readUInt32LE(8), value: bytes.readInt32LE(12) };
}

/** A command as the client sends it: what `node bin/layerctl.js` would have run with. */
export interface CommandRequest {
  umask: number;
  cwd: string;
  args: string[];
  env: Record<string, string>;
}

const COUNTS_BYTES = 12;

/** umask, argument count and environment count as u32, then cwd, the arguments and the environment, each ending in NUL. */
export function encodeCommand(request: CommandRequest): Buffer {
  const counts = Buffer.alloc(COUNTS_BYTES);
  const env = Object.entries(request.env).map(([name, value]) => `${name}=${value}`);
  counts.writeUInt32LE(request.umask, 0);
  counts.writeUInt32LE(request.args.length, 4);
  counts.writeUInt32LE(env.length, 8);
  return Buffer.concat([counts, ...[request.cwd, ...request.args, ...env].map((s) => Buffer.from(`${s}\0`))]);
}

export function decodeCommand(payload: Buffer, from: string): CommandRequest {
  const bad = (what: string): InvalidArgumentError => new InvalidArgumentError(`${from}: a malformed command: ${what}`);
  if (payload.length < COUNTS_BYTES) throw bad(`${payload.length} bytes`);
  const argCount = payload.readUInt32LE(4);
  const envCount = payload.readUInt32LE(8);
  const strings = payload.subarray(COUNTS_BYTES).toString('utf8').split('\0');
  if (strings.pop() !== '' || strings.length !== 1 + argCount + envCount) throw bad(`${strings.length} strings for ${argCount} arguments and ${envCount} variables`);
  const [cwd = '', ...rest] = strings;
  if (!cwd.startsWith('/')) throw bad(`working directory ${JSON.stringify(cwd)} is not absolute`);
  const env: Record<string, string> = {};
  for (const entry of rest.slice(argCount)) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return { umask: payload.readUInt32LE(0) & 0o777, cwd, args: rest.slice(0, argCount), env };
}
