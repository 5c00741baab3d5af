import path from 'node:path';
import { InvalidArgumentError } from '@layerctl/sys';
import { cleanPath } from './clean-path.ts';

/** What copyTargets needs to know of each source: a selected context path or an inline (heredoc) file. */
export interface CopySource {
  /** Its name at a directory destination. */
  name: string;
  /** A directory copies its contents, not itself. */
  isDirectory: boolean;
}

/** Whether the destination as written names a directory: it ends in `/`, or is `.` or ends in `/.`. */
export function destinationIsDirectory(destination: string): boolean {
  return destination.endsWith('/') || destination === '.' || destination.endsWith('/.');
}

/** The destination as an absolute, clean path in the image: a relative one is taken from `workdir`. */
export function destinationPath(destination: string, workdir: string): string {
  return cleanPath(path.posix.isAbsolute(destination) ? destination : path.posix.join('/', workdir, destination));
}

/**
 * Where each source lands in the image, by Docker's COPY/ADD rules:
 * - A directory source copies its contents into the destination (created if missing), not itself.
 * - Any other source is written at destination/name when the destination is a directory (written
 *   with a trailing `/`, `.`, or already a directory in the image), and at the destination
 *   itself otherwise.
 * - Several sources (words, wildcard matches and heredocs together) need a directory
 *   destination: otherwise InvalidArgumentError, as Docker refuses it.
 * `existingDirectory`: whether the destination resolves to a directory in the image being built
 * (symlinks followed inside its root filesystem); the engine finds out, this module does no I/O.
 */
export function copyTargets(sources: readonly CopySource[], destination: string, options: { workdir: string; existingDirectory: boolean }): string[] {
  const target = destinationPath(destination, options.workdir);
  const intoDirectory = destinationIsDirectory(destination) || options.existingDirectory;
  if (sources.length > 1 && !intoDirectory) {
    throw new InvalidArgumentError(`${destination}: with more than one source the destination must be a directory; end it with /`);
  }
  return sources.map((source) => {
    if (source.isDirectory) return target;
    return intoDirectory ? path.posix.join(target, source.name) : target;
  });
}
