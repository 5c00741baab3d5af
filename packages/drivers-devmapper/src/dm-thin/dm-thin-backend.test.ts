import test from 'ava';
import { FailedPreconditionError, SysError } from '@layerctl/sys';
import type { DeviceRow } from '../device-store.ts';
import { parseDevmapperOptions } from '../options.ts';
import type { DmControl } from './dm-control.ts';
import { DM_DEFERRED_REMOVE, DM_READONLY_FLAG, DM_SUSPEND_FLAG, type DmCommand, type DmIoctlInput } from './dm-ioctl.ts';
import { DmThinBackend } from './dm-thin-backend.ts';
import { createSnapMessage, createThinMessage, deleteMessage, LOOP_LVM_WARNING, poolTable, setTransactionIdMessage, thinTable } from './thin-messages.ts';

/**
 * This host has no device-mapper, so the backend's conversations with the kernel are checked
 * against a control that records each ioctl and plays the kernel's answers: which devices exist,
 * and a message the pool refuses.
 */
class RecordingControl implements DmControl {
  readonly calls: string[] = [];
  readonly existing = new Set<string>();
  failMessage: string | undefined;
  /** The errno the pool answers failMessage with (EINVAL unless a test says). */
  failErrno = 22;

  call(command: DmCommand, input: DmIoctlInput): Buffer {
    const what = input.message !== undefined ? `${command} ${input.name} "${input.message}"` : `${command} ${input.name ?? ''} flags=${input.flags ?? 0}`;
    this.calls.push(what);
    if (command === 'DEV_STATUS' && input.name !== undefined && !this.existing.has(input.name) && !input.name.endsWith('-pool')) throw new SysError('ioctl(DM_DEV_STATUS)', 6, input.name);
    if (command === 'TARGET_MSG' && input.message === this.failMessage) throw new SysError('ioctl(DM_TARGET_MSG)', this.failErrno, input.name);
    if (command === 'DEV_CREATE' && input.name !== undefined) this.existing.add(input.name);
    if (command === 'DEV_REMOVE' && input.name !== undefined) this.existing.delete(input.name);
    return Buffer.alloc(312);
  }
}

const row = (id: string, deviceId: number, transactionId: number, readonly = false): DeviceRow => ({ id, deviceId, parent: undefined, state: 'creating', readonly, transactionId, ownerPid: 1 });

function backend(): { dm: DmThinBackend; control: RecordingControl } {
  const control = new RecordingControl();
  return { dm: new DmThinBackend('/var/lib/layerctl/devicemapper', parseDevmapperOptions({ 'devmapper.thinpooldev': '/dev/mapper/mypool', 'devmapper.basesize': '1G' }), control), control };
}

test('messages and tables are the strings the thin-pool target takes', (t) => {
  t.is(createThinMessage(0), 'create_thin 0');
  t.is(createSnapMessage(5, 3), 'create_snap 5 3');
  t.is(deleteMessage(5), 'delete 5');
  t.is(setTransactionIdMessage(4, 5), 'set_transaction_id 4 5');
  t.is(poolTable('/dev/loop1', '/dev/loop0'), '/dev/loop1 /dev/loop0 128 32768 1 skip_block_zeroing');
  t.is(thinTable('/dev/mapper/pool', 7), '/dev/mapper/pool 7');
  t.throws(() => createThinMessage(0x1000000), { message: /not a 24-bit number/ });
});

test('a snapshot of an active origin suspends it, sends create_snap, resumes it, and moves the transaction id', (t) => {
  const { dm, control } = backend();
  control.existing.add(dm.deviceName('parent'));
  dm.snapshot(row('child', 9, 3), { ...row('parent', 4, 2), state: 'active' });
  t.deepEqual(control.calls, [
    `DEV_STATUS ${dm.deviceName('parent')} flags=0`,
    `DEV_SUSPEND ${dm.deviceName('parent')} flags=${DM_SUSPEND_FLAG}`,
    'TARGET_MSG /dev/mapper/mypool "create_snap 9 4"',
    `DEV_SUSPEND ${dm.deviceName('parent')} flags=0`,
    'TARGET_MSG /dev/mapper/mypool "set_transaction_id 0 3"',
  ]);
});

test('the origin is resumed even when the pool refuses create_snap, and the transaction id does not move', (t) => {
  const { dm, control } = backend();
  control.existing.add(dm.deviceName('parent'));
  control.failMessage = 'create_snap 9 4';
  t.throws(() => dm.snapshot(row('child', 9, 3), { ...row('parent', 4, 2), state: 'active' }), { instanceOf: SysError });
  t.is(control.calls.at(-1), `DEV_SUSPEND ${dm.deviceName('parent')} flags=0`, 'resumed last');
  t.false(control.calls.some((c) => c.includes('set_transaction_id')));
});

test('an inactive origin is snapshotted without suspending anything', (t) => {
  const { dm, control } = backend();
  dm.snapshot(row('child', 2, 1), { ...row('parent', 1, 1), state: 'active' });
  t.false(control.calls.some((c) => c.startsWith('DEV_SUSPEND')));
});

test('activation creates the device, loads a thin table of the base size and resumes it; a view is read-only', (t) => {
  const { dm, control } = backend();
  t.is(dm.activate(row('view', 3, 1, true)), `/dev/mapper/${dm.deviceName('view')}`);
  t.deepEqual(control.calls.slice(1), [
    `DEV_CREATE ${dm.deviceName('view')} flags=${DM_READONLY_FLAG}`,
    `TABLE_LOAD ${dm.deviceName('view')} flags=${DM_READONLY_FLAG}`,
    `DEV_SUSPEND ${dm.deviceName('view')} flags=0`,
  ]);
});

test('a device is removed with deferred removal, so a busy one goes when its last user does', (t) => {
  const { dm, control } = backend();
  control.existing.add(dm.deviceName('gone'));
  dm.delete('gone');
  t.is(control.calls.at(-1), `DEV_REMOVE ${dm.deviceName('gone')} flags=${DM_DEFERRED_REMOVE}`);
});

test('loop-lvm (no pool given) carries Docker’s warning that it is for testing only, and status says the path is untested here', (t) => {
  const dm = new DmThinBackend('/r/devicemapper', parseDevmapperOptions({}));
  t.true(dm.warnings.includes(LOOP_LVM_WARNING));
  t.true(dm.status().some(([k, v]) => k === 'Warning' && v === LOOP_LVM_WARNING));
  // The kernel control is the default; this host has no device-mapper, so opening the pool says so.
  t.throws(() => dm.open(), { instanceOf: FailedPreconditionError, message: /cannot open the device-mapper control node \/dev\/mapper\/control/ });
});

test('the base device is made once: create_thin, activated, formatted on its /dev/mapper node, then deactivated', (t) => {
  const control = new RecordingControl();
  const formatted: string[] = [];
  const dm = new DmThinBackend('/r/devicemapper', parseDevmapperOptions({ 'devmapper.thinpooldev': '/dev/mapper/mypool' }), control, (device) => formatted.push(device));
  dm.ensureBase();
  const base = dm.deviceName('base');
  t.deepEqual(formatted, [`/dev/mapper/${base}`]);
  t.deepEqual(control.calls, [
    'TARGET_MSG /dev/mapper/mypool "create_thin 0"',
    `DEV_STATUS ${base} flags=0`,
    `DEV_CREATE ${base} flags=0`,
    `TABLE_LOAD ${base} flags=0`,
    `DEV_SUSPEND ${base} flags=0`,
    `DEV_STATUS ${base} flags=0`,
    `DEV_REMOVE ${base} flags=${DM_DEFERRED_REMOVE}`,
  ]);
  control.calls.length = 0;
  control.failMessage = 'create_thin 0';
  control.failErrno = 17;
  dm.ensureBase();
  t.deepEqual(control.calls, ['TARGET_MSG /dev/mapper/mypool "create_thin 0"'], 'EEXIST: the pool has it already, nothing else is sent');
  t.is(formatted.length, 1);
});

test('a base device whose format fails is taken away again, device and id, and the error is the format\'s', (t) => {
  const control = new RecordingControl();
  const dm = new DmThinBackend('/r/devicemapper', parseDevmapperOptions({ 'devmapper.thinpooldev': '/dev/mapper/mypool' }), control, () => {
    throw new FailedPreconditionError('mkfs.ext4 failed');
  });
  t.throws(() => dm.ensureBase(), { message: 'mkfs.ext4 failed' });
  t.deepEqual(control.calls.slice(-3), [`DEV_STATUS ${dm.deviceName('base')} flags=0`, `DEV_REMOVE ${dm.deviceName('base')} flags=${DM_DEFERRED_REMOVE}`, 'TARGET_MSG /dev/mapper/mypool "delete 0"']);
});
