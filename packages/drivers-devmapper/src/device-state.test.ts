import test from 'ava';
import { FailedPreconditionError } from '@layerctl/sys';
import { MAX_DEVICE_ID, nextDeviceId } from './device-ids.ts';
import { canTransition, checkTransition, DEVICE_STATES, recoveryOf } from './device-state.ts';

test('a device goes creating → active → (suspended ↔ active) → removed; faulty only to removed', (t) => {
  t.true(canTransition('creating', 'active'));
  t.true(canTransition('active', 'suspended'));
  t.true(canTransition('suspended', 'active'));
  t.true(canTransition('active', 'removed'));
  t.true(canTransition('faulty', 'removed'));
  t.false(canTransition('removed', 'active'), 'a removal is never undone');
  t.false(canTransition('suspended', 'removed'), 'a suspended origin is resumed before it can go');
  t.false(canTransition('faulty', 'active'));
  t.throws(() => checkTransition('x', 'removed', 'active'), { instanceOf: FailedPreconditionError, message: 'devmapper device x is removed; it cannot become active' });
});

test('what the next start does with a dead process’s device: roll back a creation, resume a suspension, finish a removal', (t) => {
  t.deepEqual(
    DEVICE_STATES.map((s) => [s, recoveryOf(s)]),
    [
      ['creating', 'rollback'],
      ['active', 'keep'],
      ['suspended', 'resume'],
      ['removed', 'finish-removal'],
      ['faulty', 'keep'],
    ],
  );
});

test('device ids are 24-bit: the next free after the last, wrapping past 0xffffff to 1, never 0', (t) => {
  t.is(MAX_DEVICE_ID, 16_777_215);
  t.is(nextDeviceId(0, new Set()), 1);
  t.is(nextDeviceId(5, new Set([6, 7])), 8);
  t.is(nextDeviceId(MAX_DEVICE_ID, new Set([1])), 2);
});
