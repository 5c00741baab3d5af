import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { PROBE_CACHE_FILE } from './layout.ts';
import { probe, type ProbeResult } from './probe.ts';
import { cachedProbe } from './probe-cache.ts';

/** The real probe, counted. */
function countingProbe(): { run: typeof probe; calls: () => number } {
  let calls = 0;
  return {
    run: (home, tmpDir) => {
      calls++;
      return probe(home, tmpDir);
    },
    calls: () => calls,
  };
}

test('the probe runs once; the next opens of the same home read its answer', (t) => {
  const home = scratchDir(t);
  const counting = countingProbe();
  const first = cachedProbe(home, home, counting.run);
  const second = cachedProbe(home, home, counting.run);
  t.is(counting.calls(), 1);
  t.deepEqual(second, first);
  t.like(first, { backingFs: 'tmpfs', dType: true });
  t.deepEqual(fs.readdirSync(home), [PROBE_CACHE_FILE]);
});

test('an answer found under other conditions (another boot, kernel, device, module parameters, user namespace, capabilities) is probed again', (t) => {
  const home = scratchDir(t);
  const counting = countingProbe();
  cachedProbe(home, home, counting.run);
  const file = path.join(home, PROBE_CACHE_FILE);
  for (const change of [{ bootId: 'another-boot' }, { kernel: '5.4.0' }, { device: 1 }, { overlayParameters: 'metacopy=Y' }, { uidMap: '0 100000 65536' }, { capabilities: '0000000000000000' }]) {
    const stored: { conditions: object; result: ProbeResult } = JSON.parse(fs.readFileSync(file, 'utf8'));
    // A stale answer that would be wrong if it were used: the re-probe must replace it.
    fs.writeFileSync(file, JSON.stringify({ conditions: { ...stored.conditions, ...change }, result: { ...stored.result, backingFs: 'stale' } }));
    t.not(cachedProbe(home, home, counting.run).backingFs, 'stale', JSON.stringify(change));
  }
  t.is(counting.calls(), 7);
});

test('a torn or malformed cache file is probed again and rewritten, never trusted', (t) => {
  const home = scratchDir(t);
  const counting = countingProbe();
  const file = path.join(home, PROBE_CACHE_FILE);
  for (const text of ['{"conditions":', '[]', '{"conditions":{},"result":{}}', 'null']) {
    fs.writeFileSync(file, text);
    t.is(cachedProbe(home, home, counting.run).backingFs, 'tmpfs', text);
  }
  t.is(counting.calls(), 4);
  t.notThrows(() => JSON.parse(fs.readFileSync(file, 'utf8')));
});
