import test from 'ava';
import { hostsFile, resolvConfFile } from './etc-files.ts';

test('a container\'s resolv.conf keeps the host\'s search and options but not loopback nameservers', (t) => {
  const host = 'nameserver 127.0.0.53\nsearch example.org\noptions edns0\n';
  t.is(resolvConfFile(host, 'none'), 'search example.org\noptions edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  t.is(resolvConfFile('nameserver 10.0.0.2\n', 'none'), 'nameserver 10.0.0.2\n');
  t.is(resolvConfFile('nameserver 127.0.0.53\n', 'host'), 'nameserver 127.0.0.53\n', 'on the host network the host resolver is reachable');
  t.is(resolvConfFile(undefined, 'none'), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('hosts names localhost and the container\'s own hostname', (t) => {
  const hosts = hostsFile('box');
  t.regex(hosts, /^127\.0\.0\.1\tlocalhost$/m);
  t.regex(hosts, /^127\.0\.0\.1\tbox$/m);
});
