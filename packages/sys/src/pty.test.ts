import fs from 'node:fs';
import test from 'ava';
import { getWindowSize, openpty, restoreTerminalMode, setRawMode, setWindowSize } from './pty.ts';

test('a new pty carries the window size it was made with, and a resize reaches the slave', (t) => {
  const { master, slave } = openpty({ columns: 80, rows: 24 });
  t.teardown(() => {
    fs.closeSync(master);
    fs.closeSync(slave);
  });
  t.deepEqual(getWindowSize(slave), { columns: 80, rows: 24 });
  setWindowSize(master, { columns: 132, rows: 50 });
  t.deepEqual(getWindowSize(slave), { columns: 132, rows: 50 });
});

test('bytes written to the master are read from the slave, and raw mode stops the echo and line editing', (t) => {
  const { master, slave } = openpty();
  t.teardown(() => {
    fs.closeSync(master);
    fs.closeSync(slave);
  });
  const saved = setRawMode(slave);
  fs.writeSync(master, 'ab');
  const buf = Buffer.alloc(16);
  // Raw mode: no newline needed for the read to return.
  t.is(buf.subarray(0, fs.readSync(slave, buf)).toString(), 'ab');
  restoreTerminalMode(slave, saved);
  fs.writeSync(master, 'cd\n');
  t.is(buf.subarray(0, fs.readSync(slave, buf)).toString(), 'cd\n');
  // Cooked mode echoes what it reads back to the master.
  t.is(buf.subarray(0, fs.readSync(master, buf)).toString(), 'cd\r\n');
});
