import test from 'ava';
import { isDash, protectDashes, restoreDashes } from './dash.ts';

test('a lone dash survives the trip through yargs as a dash', (t) => {
  const [protectedDash] = protectDashes(['-']);
  t.not(protectedDash, '-');
  t.true(isDash(protectedDash ?? ''));
  t.is(restoreDashes(`Unknown argument: ${protectedDash}`), 'Unknown argument: -');
});

test('only a lone dash is replaced', (t) => {
  t.deepEqual(protectDashes(['-i', '--', 'a-b', '-']).slice(0, 3), ['-i', '--', 'a-b']);
  t.false(isDash('--'));
});
