import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '@layerctl/sys';
import { errorCode } from '../error-code.ts';
import { tempName } from '../temp-name.ts';
import { DIGEST_ALGORITHM } from './digest.ts';

/**
 * The files of an OCI image layout (image-spec image-layout.md): `oci-layout` marks the folder
 * and fixes the layout version, `index.json` lists the manifests, blobs/<alg>/<hex> holds content.
 */
export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_INDEX_FILE = 'index.json';
export const OCI_BLOBS_DIR = 'blobs';
export const OCI_LAYOUT_VERSION = '1.0.0';
export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

/** The folder that holds sha256 blobs in the layout at `dir`. */
export function blobsDir(dir: string): string {
  return path.join(dir, OCI_BLOBS_DIR, DIGEST_ALGORITHM);
}

/** Creates what is missing of an OCI image layout at `dir`; files that exist are left as they are. */
export function ensureOciLayout(dir: string, tmpDir: string): void {
  fs.mkdirSync(blobsDir(dir), { recursive: true, mode: 0o700 });
  createFileIfMissing(dir, OCI_LAYOUT_FILE, { imageLayoutVersion: OCI_LAYOUT_VERSION }, tmpDir);
  createFileIfMissing(dir, OCI_INDEX_FILE, { schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests: [] }, tmpDir);
}

/**
 * Writes the whole file aside and links it into place: link(2), unlike rename(2), refuses to
 * replace, so a concurrent opener that already wrote (or since updated) the file keeps its version.
 */
function createFileIfMissing(dir: string, name: string, document: unknown, tmpDir: string): void {
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return;
  const tmp = path.join(tmpDir, tempName('layout'));
  try {
    writeDurably(tmp, `${JSON.stringify(document)}\n`);
    linkUnlessExists(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(dir);
}

function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function linkUnlessExists(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
}
