import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { familiarName, normalizeName, parseReference } from './reference.ts';

const D = `sha256:${'d'.repeat(64)}`;

const good: [string, string, string | undefined, string | undefined][] = [
  ['busybox', 'docker.io/library/busybox', 'latest', undefined],
  ['busybox:1.36', 'docker.io/library/busybox', '1.36', undefined],
  ['library/busybox', 'docker.io/library/busybox', 'latest', undefined],
  ['docker.io/library/busybox:musl', 'docker.io/library/busybox', 'musl', undefined],
  ['index.docker.io/library/busybox', 'docker.io/library/busybox', 'latest', undefined],
  ['docker.io/user/app', 'docker.io/user/app', 'latest', undefined],
  ['ghcr.io/org/app:v1.2_3-rc', 'ghcr.io/org/app', 'v1.2_3-rc', undefined],
  ['localhost:5000/app', 'localhost:5000/app', 'latest', undefined],
  ['localhost/app:x', 'localhost/app', 'x', undefined],
  ['user/app', 'docker.io/user/app', 'latest', undefined],
  ['my.registry:443/a/b/c:T', 'my.registry:443/a/b/c', 'T', undefined],
  ['a__b.c-d---e', 'docker.io/library/a__b.c-d---e', 'latest', undefined],
  [`busybox@${D}`, 'docker.io/library/busybox', undefined, D],
  [`busybox:1@${D}`, 'docker.io/library/busybox', '1', D],
  [`n:_${'x'.repeat(127)}`, 'docker.io/library/n', `_${'x'.repeat(127)}`, undefined],
];

for (const [text, repository, tag, digest] of good) {
  test(`${JSON.stringify(text)} parses as ${repository}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : '@…'}`, (t) => {
    t.deepEqual(parseReference(text), { repository, tag, digest });
  });
}

const bad: [string, string][] = [
  ['', 'empty'],
  ['BusyBox', 'must be lowercase'],
  ['user/App', 'must be lowercase'],
  ['busybox:', 'tag ""'],
  ['busybox:.hidden', 'tag ".hidden"'],
  [`busybox:${'t'.repeat(129)}`, 'tag'],
  ['busy box', 'name component'],
  ['-busybox', 'name component'],
  ['busybox_', 'name component'],
  ['a//b', 'name component ""'],
  ['a___b', 'name component'],
  ['busybox@sha256:123', 'is not a digest'],
  ['d'.repeat(64), 'image id'],
  [`${'a'.repeat(250)}/bbbbbb`, 'longer than 255'],
];

for (const [text, problem] of bad) {
  test(`${JSON.stringify(text.slice(0, 40))} is refused as a reference (${problem})`, (t) => {
    const err = t.throws(() => parseReference(text), { instanceOf: InvalidArgumentError });
    t.true(err?.message.includes(problem), err?.message);
  });
}

test('normalizeName spells the name out, fills in the default tag and refuses digests', (t) => {
  t.is(normalizeName('alpine'), 'docker.io/library/alpine:latest');
  t.is(normalizeName('docker.io/library/alpine'), 'docker.io/library/alpine:latest');
  t.is(normalizeName('ghcr.io/x/y:2'), 'ghcr.io/x/y:2');
  t.throws(() => normalizeName(`alpine@${D}`), { instanceOf: InvalidArgumentError });
});

test('familiarName gives the short form Docker shows', (t) => {
  t.is(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
  t.is(familiarName('docker.io/user/app:1'), 'user/app:1');
  t.is(familiarName('docker.io/library/a/b:1'), 'library/a/b:1');
  t.is(familiarName('ghcr.io/org/app:v1'), 'ghcr.io/org/app:v1');
  t.is(familiarName('localhost:5000/app:v1'), 'localhost:5000/app:v1');
});
