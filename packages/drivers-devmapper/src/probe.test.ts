import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { hasDeviceMapper } from './probe.ts';

test('a control node without device-mapper in /proc/misc is no device-mapper (libdevmapper makes the node anyway)', (t) => {
  const dir = scratchDir(t);
  const control = path.join(dir, 'control');
  const misc = path.join(dir, 'misc');
  fs.writeFileSync(control, '');
  fs.writeFileSync(misc, ' 58 memory_bandwidth\n183 hw_random\n');
  t.false(hasDeviceMapper(control, misc));
  fs.writeFileSync(misc, ' 58 memory_bandwidth\n236 device-mapper\n');
  t.true(hasDeviceMapper(control, misc));
  fs.rmSync(control);
  t.true(hasDeviceMapper(control, misc), '/proc/misc decides, node or not');
});

test('without a readable /proc/misc the control node decides', (t) => {
  const dir = scratchDir(t);
  const control = path.join(dir, 'control');
  const missing = path.join(dir, 'no-misc');
  t.false(hasDeviceMapper(control, missing));
  fs.writeFileSync(control, '');
  t.true(hasDeviceMapper(control, missing));
});
