import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { attachVeth, detachVeth, linkGroup } from './bridge.ts';
import { parseSubnet } from './ipv4.ts';
import { ipBatch, linkExists } from './links.ts';
import { removeNetnsFile } from './netns-file.ts';
import { runNetworkTool } from './network-tool.ts';

/** A bridge and veth of the test's own (random names, a random /24 of 10.253.0.0/16), removed whatever happens. */
function scratch(t: ExecutionContext) {
  const dir = fs.mkdtempSync('/dev/shm/layerctl-test-');
  const id = randomBytes(5).toString('hex');
  const names = { bridge: `lcbt${id}`, hostName: `lcvt${id}`, netns: path.join(dir, 'netns', id) };
  t.teardown(() => {
    const left = [names.hostName, names.bridge].filter(linkExists);
    if (left.length > 0) ipBatch(left.map((name) => `link delete dev ${name}`), { force: true });
    removeNetnsFile(names.netns);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const subnet = parseSubnet(`10.253.${randomInt(256)}.0/24`, 'test subnet');
  return { ...names, alias: 'layerctl-test', address: subnet.base + 2, subnet };
}

const groupOf = (name: string): string => fs.readFileSync(`/sys/class/net/${name}/netdev_group`, 'utf8').trim();

test('the last member\'s detach takes its veth, the bridge and the netns file, the links in one group', (t) => {
  const options = scratch(t);
  attachVeth({ ...options, upBridge: { alias: 'layerctl-test/bridge', exists: false } });
  t.is(groupOf(options.bridge), String(linkGroup(options.bridge)));
  t.is(groupOf(options.hostName), String(linkGroup(options.bridge)));
  t.regex(runNetworkTool('nsenter', [`--net=${options.netns}`, 'ip', '-4', 'route']), /^default via 10\.253\.\d+\.1 dev eth0/);
  detachVeth(options.netns, options.hostName, { bridge: options.bridge });
  t.false(linkExists(options.hostName));
  t.false(linkExists(options.bridge));
  t.false(fs.existsSync(options.netns));
});

test('a bridge without the group (made before bridges had one) still goes by name', (t) => {
  const options = scratch(t);
  ipBatch([`link add ${options.bridge} type bridge`, `link set dev ${options.bridge} up`]);
  attachVeth(options);
  t.is(groupOf(options.bridge), '0');
  detachVeth(options.netns, options.hostName, { bridge: options.bridge });
  t.false(linkExists(options.hostName));
  t.false(linkExists(options.bridge));
});

test('a member leaving a network that keeps members takes only its veth, and doing it again is harmless', (t) => {
  const options = scratch(t);
  attachVeth({ ...options, upBridge: { alias: 'layerctl-test/bridge', exists: false } });
  detachVeth(options.netns, options.hostName);
  t.false(linkExists(options.hostName));
  t.true(linkExists(options.bridge));
  t.notThrows(() => detachVeth(options.netns, options.hostName));
});
