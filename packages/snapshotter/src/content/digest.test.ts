import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { digestHex, parseDigest, sha256Digest } from './digest.ts';

const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('sha256Digest of nothing is the well-known empty digest', (t) => {
  t.is(sha256Digest(''), EMPTY);
  t.is(sha256Digest(Buffer.alloc(0)), EMPTY);
});

test('parseDigest accepts sha256 with 64 lowercase hex and hands back the same string', (t) => {
  t.is(parseDigest(EMPTY, 'test'), EMPTY);
  t.is(digestHex(parseDigest(EMPTY, 'test')), EMPTY.slice('sha256:'.length));
});

test('parseDigest refuses other forms and names the input and the value', (t) => {
  for (const bad of [EMPTY.toUpperCase(), EMPTY.slice(0, -1), `${EMPTY}0`, `sha512:${EMPTY.slice(7)}`, 'sha256:../../etc/passwd', '']) {
    const error = t.throws(() => parseDigest(bad, 'manifest layers[0].digest'), { instanceOf: InvalidArgumentError });
    t.true(error?.message.startsWith('manifest layers[0].digest:'));
    t.true(error?.message.includes(JSON.stringify(bad)));
  }
});
