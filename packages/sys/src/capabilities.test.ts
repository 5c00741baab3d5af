import fs from 'node:fs';
import test from 'ava';
import { capget, capLastCap } from './capabilities.ts';

test("the last capability asked of the kernel is /proc/sys/kernel/cap_last_cap's", (t) => {
  t.is(capLastCap(), Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'), 10));
});

test('capget reads the sets /proc/self/status shows for this (main) thread', (t) => {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) => BigInt(`0x${status.split('\n').find((l) => l.startsWith(`${name}:`))?.split(/\s+/)[1]}`);
  const sets = capget();
  t.is(sets.effective, field('CapEff'));
  t.is(sets.permitted, field('CapPrm'));
  t.is(sets.inheritable, field('CapInh'));
});
