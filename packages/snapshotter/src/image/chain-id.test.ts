import test from 'ava';
import { createHash } from 'node:crypto';
import { chainIds } from './chain-id.ts';
import type { Digest } from '../content/digest.ts';

const sha = (text: string): Digest => `sha256:${createHash('sha256').update(text).digest('hex')}`;

test('the first ChainID is the first DiffID', (t) => {
  const d1 = sha('layer one');
  t.deepEqual(chainIds([d1]), [d1]);
});

test('each next ChainID is sha256 of the ChainID below, a space, and the DiffID', (t) => {
  const [d1, d2, d3] = [sha('one'), sha('two'), sha('three')];
  const c2 = sha(`${d1} ${d2}`);
  const c3 = sha(`${c2} ${d3}`);
  t.deepEqual(chainIds([d1, d2, d3]), [d1, c2, c3]);
});

test('ChainIDs match a value computed outside with sha256sum', (t) => {
  // Two DiffIDs from the image-spec's config example, chained by hand:
  // printf 'sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1 sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef' | sha256sum
  const ids = chainIds([
    'sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1',
    'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
  ]);
  t.is(ids[1], 'sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f');
  t.is(chainIds([]).length, 0);
});
