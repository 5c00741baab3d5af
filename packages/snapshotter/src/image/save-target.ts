import fs from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { errnoDescription, errnoName, SysError, wrapNodeError } from '@layerctl/sys';
import { tempName } from '../temp-name.ts';
import { writeAll } from '../write-all.ts';

/** Archives are ordinary files for whoever reads them next. */
const ARCHIVE_MODE = 0o644;

/**
 * The file `save -o PATH` writes. The archive goes to a new temporary file beside PATH (so the
 * rename stays on one filesystem), which is fsynced and renamed over PATH once complete, and
 * removed otherwise: a failed save leaves no partial file.
 *
 * It is opened before any work starts, so a path that cannot be written fails at once. Every
 * failure of the file itself is a SysError naming PATH, the path the user gave, never the
 * temporary name: "save: cannot write /x/y.tar: ENOENT (no such directory)". Failures of the
 * archive's own source pass through unchanged.
 */
export class SaveTarget {
  readonly path: string;
  readonly #partial: string;
  readonly #handle: FileHandle;
  #done = false;

  private constructor(target: string, partial: string, handle: FileHandle) {
    this.path = target;
    this.#partial = partial;
    this.#handle = handle;
  }

  static async open(target: string): Promise<SaveTarget> {
    // The rename at the end would refuse a directory, but only after all the work.
    if (isDirectory(target)) throw cannotWrite(target, 'open', constants.errno.EISDIR);
    const partial = path.join(path.dirname(target), `.${tempName('save')}`);
    const handle = await open(partial, 'wx', ARCHIVE_MODE).catch((error: unknown) => {
      throw wrapped(target, error);
    });
    return new SaveTarget(target, partial, handle);
  }

  /** Writes the whole archive, fsyncs it and renames it into place. */
  async write(archive: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of archive) await this.#attempt(() => writeAll(this.#handle, chunk));
    await this.#attempt(async () => {
      await this.#handle.sync();
      await this.#handle.close();
      fs.renameSync(this.#partial, this.path);
    });
    this.#done = true;
  }

  /** Closes and removes the temporary file unless write() completed; call it in a finally. */
  async discard(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    // Closing twice (after a failed sync) is harmless: FileHandle.close is idempotent.
    await this.#handle.close();
    fs.rmSync(this.#partial, { force: true });
  }

  async #attempt(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      throw wrapped(this.path, error);
    }
  }
}

function isDirectory(target: string): boolean {
  try {
    return fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch (error) {
    throw wrapped(target, error);
  }
}

/** A system error of the output file, said in terms of `target`; any other error unchanged. */
function wrapped(target: string, error: unknown): unknown {
  const sys = wrapNodeError(error);
  return sys instanceof SysError ? cannotWrite(target, sys.call, sys.errno, sys) : error;
}

/** Reasons more exact here than strerror's words. */
const REASONS: Partial<Record<string, string>> = {
  // The temporary file is created new, so ENOENT means a directory on the way is missing.
  ENOENT: 'no such directory',
  EISDIR: 'it is a directory',
};

function cannotWrite(target: string, call: string, errno: number, cause?: SysError): SysError {
  const name = errnoName(errno);
  return new SysError(call, errno, target, { message: `save: cannot write ${target}: ${name} (${REASONS[name] ?? errnoDescription(errno)})`, cause });
}
