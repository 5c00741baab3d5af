import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError } from '@layerctl/sys';

/**
 * A content digest as OCI spells it. Only sha256: it is what every registry and runtime reads,
 * and one algorithm keeps blob paths and comparisons trivial.
 */
export type Digest = `sha256:${string}`;

/** The algorithm prefix; also the folder name under blobs/ in an OCI image layout. */
export const DIGEST_ALGORITHM = 'sha256';

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_PATTERN.test(value);
}

/** Checks a digest from outside (a manifest, a command line, a database row); `what` names where it came from. */
export function parseDigest(value: string, what: string): Digest {
  if (!isDigest(value)) {
    throw new InvalidArgumentError(`${what}: ${JSON.stringify(value)} is not a digest of the form sha256:<64 lowercase hex>`);
  }
  return value;
}

export function digestHex(d: Digest): string {
  return d.slice(DIGEST_ALGORITHM.length + 1);
}

/** The digest of a whole small document; streams hash with digestOfHash instead. */
export function sha256Digest(data: Buffer | string): Digest {
  return digestOfHash(createHash(DIGEST_ALGORITHM).update(data));
}

/** Finishes a sha256 Hash fed while streaming. */
export function digestOfHash(hash: Hash): Digest {
  return `${DIGEST_ALGORITHM}:${hash.digest('hex')}`;
}
