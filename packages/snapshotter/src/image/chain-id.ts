import { sha256Digest, type Digest } from '../content/digest.ts';

/**
 * The ChainID of every layer of a stack, bottom first (DESIGN.md, "Identity"; OCI image-spec
 * config.md): ChainID(L1) = DiffID(L1), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 * A ChainID names a layer together with everything below it, so a snapshot can be shared by every
 * image whose stack starts the same way.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const result: Digest[] = [];
  for (const diffId of diffIds) {
    const below = result.at(-1);
    result.push(below === undefined ? diffId : sha256Digest(`${below} ${diffId}`));
  }
  return result;
}
