import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { Layout, lowerFileText, newShortId, SHORT_ID_LENGTH } from './layout.ts';

test('short ids are 26 base32 characters, as Docker\'s, and do not repeat', (t) => {
  const ids = new Set(Array.from({ length: 1000 }, newShortId));
  t.is(ids.size, 1000);
  for (const id of ids) t.regex(id, new RegExp(`^[A-Z2-7]{${SHORT_ID_LENGTH}}$`));
});

test('the lower file names the parent first, then its lowers, as l/ paths', (t) => {
  t.is(lowerFileText('B', []), 'l/B');
  t.is(lowerFileText('C', ['B', 'A']), 'l/C:l/B:l/A');
});

test('an id that is not a plain file name, or that is the l/ folder, is refused', (t) => {
  const layout = new Layout('/root');
  for (const id of ['..', '.', 'a/b', '', 'l', '../etc']) t.throws(() => layout.layerDir(id), { instanceOf: InvalidArgumentError }, id);
  t.is(layout.diff('sha256:ab'), '/root/overlay2/sha256:ab/diff');
});
