import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FailedPreconditionError, SysError } from '@layerctl/sys';
import { scratchDir } from '@layerctl/sys/testing';
import { KernelDmControl } from './kernel-dm-control.ts';

// This host has no device-mapper: what can be shown is that a call is a real ioctl on the node
// it was given (a character device that is not device-mapper answers ENOTTY) and that a missing
// control node is a clear precondition error.

test('a call is one ioctl on the control node: a device that is not device-mapper answers ENOTTY', (t) => {
  const control = new KernelDmControl('/dev/null');
  t.teardown(() => control.close());
  const error = t.throws(() => control.call('VERSION', {}), { instanceOf: SysError });
  t.is(error?.code, 'ENOTTY');
  t.regex(error?.message ?? '', /ioctl\(device-mapper\)/);
});

test('a missing control node is a FailedPreconditionError naming it', (t) => {
  const dir = scratchDir(t);
  const missing = path.join(dir, 'control');
  const control = new KernelDmControl(missing);
  t.throws(() => control.call('VERSION', {}), { instanceOf: FailedPreconditionError, message: new RegExp(`cannot open the device-mapper control node ${missing}`) });
  t.false(fs.existsSync(missing));
});
