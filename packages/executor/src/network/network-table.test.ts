import test from 'ava';
import { parseIpv4, parseSubnet } from './ipv4.ts';
import { randomBytes } from 'node:crypto';
import { applyNetworkTable, deleteNetworkTable, networkTableScript, showNetworkTable, tableName } from './network-table.ts';

const spec = {
  bridge: 'lcbtest0',
  subnet: parseSubnet('10.77.0.0/24', 'x'),
  ports: [
    { protocol: 'tcp' as const, hostIp: undefined, hostPort: 8080, address: parseIpv4('10.77.0.2', 'x'), containerPort: 80 },
    { protocol: 'udp' as const, hostIp: parseIpv4('127.0.0.1', 'x'), hostPort: 5353, address: parseIpv4('10.77.0.3', 'x'), containerPort: 53 },
  ],
};

test('the script replaces every rule of the table in one transaction, even when it is not there yet', (t) => {
  const lines = networkTableScript(spec).split('\n');
  t.deepEqual(lines.slice(0, 3), ['table ip layerctl_lcbtest0 {}', 'flush table ip layerctl_lcbtest0', 'table ip layerctl_lcbtest0 {']);
  t.is(tableName('lcbtest0'), 'layerctl_lcbtest0');
});

test('a published port is DNATed from outside and from the host itself; a host address narrows it', (t) => {
  const script = networkTableScript(spec);
  t.is(script.split('fib daddr type local tcp dport 8080 dnat to 10.77.0.2:80').length - 1, 2, 'prerouting and output');
  t.is(script.split('ip daddr 127.0.0.1 udp dport 5353 dnat to 10.77.0.3:53').length - 1, 2);
});

test('outbound traffic is masqueraded, and new connections into the bridge from elsewhere are dropped unless DNATed', (t) => {
  const script = networkTableScript(spec);
  t.true(script.includes('ip saddr 10.77.0.0/24 oifname != "lcbtest0" masquerade'));
  t.true(script.includes('oifname "lcbtest0" ip saddr 127.0.0.0/8 masquerade'));
  t.true(script.includes('oifname "lcbtest0" ip saddr 10.77.0.0/24 ct status dnat masquerade'), 'hairpin');
  t.true(script.includes('oifname "lcbtest0" iifname != "lcbtest0" ct state new ct status != dnat drop'));
});

test('applying a table again replaces its rules: a port taken out is gone, nothing is doubled', (t) => {
  const bridge = `lcbt${randomBytes(5).toString('hex')}`;
  t.teardown(() => deleteNetworkTable(bridge));
  applyNetworkTable({ ...spec, bridge });
  applyNetworkTable({ ...spec, bridge, ports: spec.ports.slice(0, 1) });
  const shown = showNetworkTable(bridge);
  t.is(shown.split('dnat to 10.77.0.2:80').length - 1, 2, 'the port kept: prerouting and output, once each');
  t.false(shown.includes('dport 5353'), 'the port taken out');
  t.is(shown.split('masquerade').length - 1, 3);
  deleteNetworkTable(bridge);
  t.is(showNetworkTable(bridge), '');
});
