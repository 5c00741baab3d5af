import test from 'ava';
import { parseSubnet } from '@layerctl/executor';
import { cursorAfter, nextFreeOffset } from './allocate-address.ts';

const small = parseSubnet('10.5.5.0/29', 'x'); // hosts .2 to .6 for containers

test('addresses come in order from the cursor, skipping those held', (t) => {
  t.is(nextFreeOffset(small, 2, new Set()), 2);
  t.is(nextFreeOffset(small, 2, new Set([2, 3])), 4);
  t.is(nextFreeOffset(small, 5, new Set([5])), 6);
});

test('a freed address is handed out again only after the cursor went round', (t) => {
  // .2 was freed, the cursor stands at .4: .4, .5, .6 come before .2 again.
  const held = new Set([3]);
  const order: number[] = [];
  let cursor = 4;
  for (let i = 0; i < 4; i++) {
    const offset = nextFreeOffset(small, cursor, held);
    if (offset === undefined) break;
    order.push(offset);
    held.add(offset);
    cursor = cursorAfter(small, offset);
  }
  t.deepEqual(order, [4, 5, 6, 2]);
});

test('a full subnet gives no address, never the gateway or broadcast', (t) => {
  t.is(nextFreeOffset(small, 2, new Set([2, 3, 4, 5, 6])), undefined);
  t.is(nextFreeOffset(small, 0, new Set()), 2, 'a cursor outside the host range starts at the first host');
  t.is(cursorAfter(small, 6), 2);
});
