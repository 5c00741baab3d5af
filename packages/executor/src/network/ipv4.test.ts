import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { formatIpv4, formatSubnet, gatewayOf, hostOffsets, parseIpv4, parseSubnet, subnetContains, subnetsOverlap } from './ipv4.ts';

test('an address reads and prints back the same, the top bit included', (t) => {
  for (const text of ['0.0.0.0', '10.64.0.1', '192.168.255.254', '255.255.255.255']) t.is(formatIpv4(parseIpv4(text, 'x')), text);
  t.is(parseIpv4('10.0.0.1', 'x'), 0x0a000001);
});

test('a malformed address is refused naming the input', (t) => {
  for (const text of ['10.0.0', '10.0.0.256', '10.0.0.01', 'a.b.c.d', '1.2.3.4.5', '']) {
    const error = t.throws(() => parseIpv4(text, '--subnet'), { instanceOf: InvalidArgumentError });
    t.regex(error.message, /^--subnet: /);
  }
});

test('a subnet with host bits set is refused with the subnet it starts', (t) => {
  t.deepEqual(parseSubnet('10.1.2.0/24', 'x'), { base: 0x0a010200, prefix: 24 });
  t.throws(() => parseSubnet('10.1.2.3/24', 'x'), { message: /starts at 10\.1\.2\.0\/24/ });
  t.throws(() => parseSubnet('10.1.2.0/31', 'x'), { instanceOf: InvalidArgumentError });
  t.throws(() => parseSubnet('10.1.2.0', 'x'), { instanceOf: InvalidArgumentError });
});

test('subnets overlap when either holds an address of the other', (t) => {
  const a = parseSubnet('10.1.0.0/16', 'a');
  t.true(subnetsOverlap(a, parseSubnet('10.1.200.0/24', 'b')));
  t.true(subnetsOverlap(parseSubnet('10.0.0.0/8', 'b'), a));
  t.false(subnetsOverlap(a, parseSubnet('10.2.0.0/24', 'b')));
  t.true(subnetContains(a, parseIpv4('10.1.255.255', 'x')));
  t.false(subnetContains(a, parseIpv4('10.2.0.0', 'x')));
});

test('the gateway is the first host and containers take the rest, broadcast excluded', (t) => {
  const subnet = parseSubnet('10.9.9.0/24', 'x');
  t.is(formatIpv4(gatewayOf(subnet)), '10.9.9.1');
  t.deepEqual(hostOffsets(subnet), { first: 2, last: 254 });
  t.is(formatSubnet(subnet), '10.9.9.0/24');
});
