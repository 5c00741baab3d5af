import fs from 'node:fs';
import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import {
  CAPABILITY_NAMES,
  capabilityMask,
  capabilityNames,
  capabilityNumber,
  DEFAULT_CAPABILITIES,
  formatCapabilityMask,
} from './capabilities.ts';

test('the table numbers every capability up to CAP_CHECKPOINT_RESTORE (40) as the kernel does', (t) => {
  t.is(CAPABILITY_NAMES.length, 41);
  t.is(capabilityNumber('CAP_CHOWN'), 0);
  t.is(capabilityNumber('CAP_SYS_ADMIN'), 21);
  t.is(capabilityNumber('CAP_SYS_RESOURCE'), 24);
  t.is(capabilityNumber('CAP_SETFCAP'), 31);
  t.is(capabilityNumber('CAP_CHECKPOINT_RESTORE'), 40);
  t.is(new Set(CAPABILITY_NAMES).size, CAPABILITY_NAMES.length);
  // This kernel knows exactly as many: a name missing from the table would show here.
  t.is(Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'), 10), CAPABILITY_NAMES.length - 1);
});

test("Docker's default set is 14 capabilities, CapEff 00000000a80425fb", (t) => {
  t.is(DEFAULT_CAPABILITIES.length, 14);
  t.is(formatCapabilityMask(capabilityMask(DEFAULT_CAPABILITIES)), '00000000a80425fb');
  t.false(DEFAULT_CAPABILITIES.includes('CAP_SYS_ADMIN'));
  t.false(DEFAULT_CAPABILITIES.includes('CAP_NET_ADMIN'));
});

test('a mask and its names convert both ways; the full set prints as /proc does', (t) => {
  const mask = capabilityMask(DEFAULT_CAPABILITIES);
  t.deepEqual(capabilityNames(mask).sort(), [...DEFAULT_CAPABILITIES].sort());
  t.is(formatCapabilityMask(capabilityMask(CAPABILITY_NAMES)), '000001ffffffffff');
  t.is(formatCapabilityMask(0n), '0000000000000000');
  t.deepEqual(capabilityNames(1n << 45n), ['CAP_45']);
});

test('an unknown or misspelt capability name is refused, naming it', (t) => {
  for (const name of ['CAP_FOO', 'chown', 'SYS_ADMIN', '']) {
    const err = t.throws(() => capabilityMask([name]), { instanceOf: InvalidArgumentError });
    t.true(err.message.includes(JSON.stringify(name)));
  }
});
