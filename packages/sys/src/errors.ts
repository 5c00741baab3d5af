import { getSystemErrorMessage, getSystemErrorName } from 'node:util';

/**
 * The one base class of every error layerctl raises on purpose.
 *
 * The command line prints `message` as one line and exits with `exitCode`; with --debug it
 * also prints the `cause` chain. Code branches on the class or on `code`, never on the text.
 */
export class LayerctlError extends Error {
  /** A stable, machine-readable name for the kind of failure. */
  get code(): string {
    return 'LAYERCTL';
  }

  /** The process exit status the command line uses for this error. */
  get exitCode(): number {
    return 1;
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A system call failed; carries the errno, the call and the path it acted on. The message is
 * "call path: ENAME" ("mknod /x/y: EPERM") unless the caller, knowing what the user asked for,
 * says it in those terms (options.message) and keeps the raw failure as the cause.
 */
export class SysError extends LayerctlError {
  readonly call: string;
  readonly errno: number;
  readonly path: string | undefined;

  constructor(call: string, errno: number, path?: string, options?: { message?: string; cause?: unknown }) {
    const message = options?.message ?? `${call}${path === undefined ? '' : ` ${path}`}: ${errnoName(errno)}`;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.call = call;
    this.errno = errno;
    this.path = path;
  }

  override get code(): string {
    return errnoName(this.errno);
  }
}

/** The named thing (a key, image, blob, container) does not exist. */
export class NotFoundError extends LayerctlError {
  override get code(): string {
    return 'NOT_FOUND';
  }
}

/** The named thing exists already and the operation would replace it. */
export class AlreadyExistsError extends LayerctlError {
  override get code(): string {
    return 'ALREADY_EXISTS';
  }
}

/** The store is not in the state the operation needs (a layer still has children, an image is in use). */
export class FailedPreconditionError extends LayerctlError {
  override get code(): string {
    return 'FAILED_PRECONDITION';
  }
}

/** An input from outside is malformed or hostile: a tar entry, a manifest, a command-line value. */
export class InvalidArgumentError extends LayerctlError {
  override get code(): string {
    return 'INVALID_ARGUMENT';
  }
}

/** The host lacks what the operation needs; the message names what is missing. */
export class NotSupportedError extends LayerctlError {
  override get code(): string {
    return 'NOT_SUPPORTED';
  }
}

/** Bytes did not match the digest (or size) that names them. */
export class DigestMismatchError extends LayerctlError {
  readonly expected: string;
  readonly actual: string;

  constructor(what: string, expected: string, actual: string) {
    super(`${what}: content does not match its digest: expected ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }

  override get code(): string {
    return 'DIGEST_MISMATCH';
  }
}

/** Bad usage of the command line: exit status 2, as DESIGN.md fixes. */
export class UsageError extends LayerctlError {
  override get code(): string {
    return 'USAGE';
  }

  override get exitCode(): number {
    return 2;
  }
}

/** "no such file or directory" for ENOENT: strerror(3)'s words, as Node knows them; either sign. */
export function errnoDescription(errno: number): string {
  try {
    return getSystemErrorMessage(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}

/** "EPERM" for 1, whichever sign the caller hands in (libc errno is positive, libuv's negative). */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}
