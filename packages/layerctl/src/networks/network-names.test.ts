import test from 'ava';
import { bridgeAlias, bridgeName, DEFAULT_BRIDGE, parseAlias, rootTag, vethAlias, vethName } from './network-names.ts';

test('the default root\'s bridge network is layerctl0; every other network or root has a name of its own', (t) => {
  t.is(bridgeName('/var/lib/layerctl', 'bridge'), DEFAULT_BRIDGE);
  t.is(bridgeName('/var/lib/layerctl/', 'bridge'), DEFAULT_BRIDGE, 'the same root spelled with a slash');
  const others = [bridgeName('/var/lib/layerctl', 'front'), bridgeName('/dev/shm/a', 'bridge'), bridgeName('/dev/shm/b', 'bridge'), bridgeName('/dev/shm/a', 'front')];
  t.is(new Set(others).size, others.length);
  for (const name of others) t.regex(name, /^lcb[0-9a-f]{11}$/, 'at most 15 characters, as Linux allows');
  t.is(bridgeName('/dev/shm/a', 'front'), bridgeName('/dev/shm/a/', 'front'));
});

test('interface aliases name the root and what the interface is for, and only layerctl\'s parse', (t) => {
  const id = 'ab'.repeat(32);
  t.is(vethName(id), 'lcvabababababa', 'lcv and 11 digits of the id: 14 characters');
  t.deepEqual(parseAlias(vethAlias('/dev/shm/a', id)), { tag: rootTag('/dev/shm/a'), kind: 'container', name: id });
  t.deepEqual(parseAlias(bridgeAlias('/dev/shm/a', 'front')), { tag: rootTag('/dev/shm/a'), kind: 'network', name: 'front' });
  t.is(parseAlias('docker0 bridge'), undefined);
  t.is(parseAlias(undefined), undefined);
  t.not(rootTag('/dev/shm/a'), rootTag('/dev/shm/b'));
});
