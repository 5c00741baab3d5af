import test from 'ava';
import { decodeDmIoctl, DM_DEFERRED_REMOVE, DM_IOCTL_BYTES, DM_SUSPEND_FLAG, dmIoctlRequest, encodeDmIoctl, encodeMessage, encodeTarget } from './dm-ioctl.ts';

test('ioctl numbers are _IOWR(0xfd, cmd, struct dm_ioctl) as libdevmapper computes them', (t) => {
  t.is(dmIoctlRequest('VERSION'), 0xc138fd00);
  t.is(dmIoctlRequest('DEV_CREATE'), 0xc138fd03);
  t.is(dmIoctlRequest('DEV_SUSPEND'), 0xc138fd06);
  t.is(dmIoctlRequest('TABLE_LOAD'), 0xc138fd09);
  t.is(dmIoctlRequest('TARGET_MSG'), 0xc138fd0e);
});

test('struct dm_ioctl: version 4.0.0, data size and start, target count, flags, name at 48 and uuid at 176', (t) => {
  const buf = encodeDmIoctl({ name: 'layerctl-pool', uuid: 'LAYERCTL-1', flags: DM_SUSPEND_FLAG | DM_DEFERRED_REMOVE });
  t.is(buf.length, DM_IOCTL_BYTES);
  t.deepEqual([buf.readUInt32LE(0), buf.readUInt32LE(4), buf.readUInt32LE(8)], [4, 0, 0]);
  t.is(buf.readUInt32LE(12), 312);
  t.is(buf.readUInt32LE(16), 312);
  t.is(buf.readUInt32LE(28), 0x20002);
  t.is(buf.subarray(48, 61).toString(), 'layerctl-pool');
  t.is(buf[61], 0);
  t.is(buf.subarray(176, 186).toString(), 'LAYERCTL-1');
  t.like(decodeDmIoctl(buf), { version: [4, 0, 0], dataSize: 312, name: 'layerctl-pool', flags: 0x20002 });
});

test('struct dm_target_spec: 40 bytes, then the parameters NUL-terminated, padded to 8 with next pointing past them', (t) => {
  const spec = encodeTarget({ sectorStart: 0n, length: 20_971_520n, type: 'thin', params: '/dev/mapper/pool 7' });
  t.is(spec.readBigUInt64LE(0), 0n);
  t.is(spec.readBigUInt64LE(8), 20_971_520n);
  t.is(spec.subarray(24, 28).toString(), 'thin');
  t.is(spec.subarray(40, 58).toString(), '/dev/mapper/pool 7');
  t.is(spec[58], 0);
  t.is(spec.length % 8, 0);
  t.is(spec.readUInt32LE(20), spec.length);
  const load = encodeDmIoctl({ name: 'dev', targets: [{ sectorStart: 0n, length: 8n, type: 'thin', params: 'p 1' }] });
  t.is(load.readUInt32LE(20), 1, 'target_count');
  t.is(load.readUInt32LE(12), load.length, 'data_size covers the targets');
});

test('struct dm_target_msg: sector 0, then the message', (t) => {
  const msg = encodeMessage('create_snap 2 1');
  t.is(msg.readBigUInt64LE(0), 0n);
  t.is(msg.subarray(8, 23).toString(), 'create_snap 2 1');
  t.is(msg[23], 0);
  t.is(encodeDmIoctl({ name: 'pool', message: 'delete 3' }).subarray(312 + 8, 312 + 16).toString(), 'delete 3');
});

test('a name longer than DM_NAME_LEN is refused, naming it', (t) => {
  t.throws(() => encodeDmIoctl({ name: 'x'.repeat(128) }), { message: /name "x+" is longer than 127 bytes/ });
});
