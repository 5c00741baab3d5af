import test from 'ava';
import { humanSize } from './human-size.ts';
import { shortId } from './short-id.ts';
import { table } from './table.ts';
import { timeAgo } from './time-ago.ts';

test('sizes print with three significant digits in decimal units', (t) => {
  t.is(humanSize(0), '0B');
  t.is(humanSize(512), '512B');
  t.is(humanSize(4_270_000), '4.27MB');
  t.is(humanSize(123_456), '123kB');
  t.is(humanSize(999_999), '1MB');
  t.is(humanSize(1_000_000_000), '1GB');
});

test('durations read like docker: about a minute, N minutes, N hours, N days', (t) => {
  const now = new Date('2026-01-01T12:00:00Z');
  const ago = (ms: number) => timeAgo(new Date(now.getTime() - ms), now);
  t.is(ago(0), 'Less than a second ago');
  t.is(ago(-5000), 'Less than a second ago');
  t.is(ago(1000), '1 second ago');
  t.is(ago(45_000), '45 seconds ago');
  t.is(ago(90_000), 'About a minute ago');
  t.is(ago(7 * 60_000), '7 minutes ago');
  t.is(ago(60 * 60_000), 'About an hour ago');
  t.is(ago(5 * 3600_000), '5 hours ago');
  t.is(ago(3 * 86400_000), '3 days ago');
  t.is(ago(21 * 86400_000), '3 weeks ago');
  t.is(ago(90 * 86400_000), '3 months ago');
  t.is(ago(56 * 365 * 86400_000), '56 years ago');
});

test('an id is the first 12 hex digits of the digest', (t) => {
  t.is(shortId(`sha256:${'0123456789abcdef'.repeat(4)}`), '0123456789ab');
});

test('table columns align to the widest cell, three spaces apart', (t) => {
  t.is(table(['A', 'BB', 'C'], [['xxxx', 'y', 'last cell'], ['z', '', '']]), 'A      BB   C\nxxxx   y    last cell\nz\n');
});
