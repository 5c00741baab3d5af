import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { formatPublishedPort, parsePublishedPort, portsClash, validatePublishedPorts } from './published-port.ts';
import { parseNetworkMode } from './network-mode.ts';

test('-p reads [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] as Docker does', (t) => {
  t.deepEqual(parsePublishedPort('8080:80'), { hostIp: undefined, hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  t.deepEqual(parsePublishedPort('127.0.0.1:53:5353/udp'), { hostIp: '127.0.0.1', hostPort: 53, containerPort: 5353, protocol: 'udp' });
  t.deepEqual(parsePublishedPort('0.0.0.0:1:2'), { hostIp: undefined, hostPort: 1, containerPort: 2, protocol: 'tcp' });
  t.is(formatPublishedPort(parsePublishedPort('127.0.0.1:8080:80')), '127.0.0.1:8080->80/tcp');
});

test('a bad -p is refused naming the value', (t) => {
  for (const text of ['80', '0:80', '70000:80', '80:80/sctp', 'x:80:80', '::1:80:80', '80:']) {
    const error = t.throws(() => parsePublishedPort(text), { instanceOf: InvalidArgumentError });
    t.true(error.message.startsWith(`-p ${text}: `), error.message);
  }
});

test('two ports clash on the same host port and protocol unless both name different addresses', (t) => {
  const p = parsePublishedPort;
  t.true(portsClash(p('8080:80'), p('127.0.0.1:8080:81')));
  t.false(portsClash(p('127.0.0.1:8080:80'), p('127.0.0.2:8080:80')));
  t.false(portsClash(p('8080:80'), p('8080:80/udp')));
});

test('ports read back from the store are checked', (t) => {
  t.deepEqual(validatePublishedPorts(undefined, 'x'), []);
  t.throws(() => validatePublishedPorts([{ hostPort: '80' }], 'config.ports'), { message: /config\.ports\[0\]/ });
});

test('--network values: none, host, container:X and network names', (t) => {
  t.deepEqual(parseNetworkMode('none'), { kind: 'none' });
  t.deepEqual(parseNetworkMode('container:web'), { kind: 'container', container: 'web' });
  t.deepEqual(parseNetworkMode('bridge'), { kind: 'network', network: 'bridge' });
  t.throws(() => parseNetworkMode('container:'), { instanceOf: InvalidArgumentError });
  t.throws(() => parseNetworkMode('bad name'), { instanceOf: InvalidArgumentError });
});
