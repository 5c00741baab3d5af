import test from 'ava';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch } from './build-scratch.ts';
import { networkLeftovers, NOTHING_LEFT } from './network-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

/** A RUN that appends its network namespace (`net:[inode]`, one per namespace) to `file` in the image, then runs `more`. */
const recordNetns = (file: string, more = 'true'): string => `RUN readlink /proc/self/ns/net >> ${file} && ${more}`;

test("a build's RUN steps one after another reuse one bridge endpoint; steps at the same time each get their own; nothing is left", async (t) => {
  const { build, context, imageFile, root } = await buildScratch(t, busyboxTar());
  const dir = context('pooled', {
    Dockerfile: [
      // Both stages start at once and each holds its endpoint for a second.
      'FROM busybox AS left',
      recordNetns('/left', 'sleep 1'),
      'FROM busybox AS right',
      recordNetns('/right', 'sleep 1'),
      // After both (COPY --from waits for them), one step after another.
      'FROM busybox',
      'COPY --from=left /left /',
      'COPY --from=right /right /',
      recordNetns('/sequential'),
      recordNetns('/sequential'),
      '',
    ].join('\n'),
  });
  const built = await build(['-t', 'pooled', dir]);
  t.is(built.code, 0, built.stderr);
  const lines = async (file: string): Promise<string[]> => ((await imageFile('pooled', file))?.content ?? '').trim().split('\n');
  const sequential = await lines('/sequential');
  t.is(sequential.length, 2);
  t.regex(sequential[0] ?? '', /^net:\[\d+\]$/);
  t.is(sequential[1], sequential[0], 'the second RUN got the namespace the first gave back');
  const [left] = await lines('/left');
  const [right] = await lines('/right');
  t.not(left, right, 'the two stages ran their RUN steps at the same time, each in its own namespace');
  t.true(sequential[0] === left || sequential[0] === right, 'the last stage took an endpoint from the pool');
  t.deepEqual(networkLeftovers(root, []), NOTHING_LEFT);
});

test('a failed RUN still takes the endpoints down', async (t) => {
  const { build, context, root } = await buildScratch(t, busyboxTar());
  const built = await build([context('fails', { Dockerfile: `FROM busybox\n${recordNetns('/a')}\nRUN exit 3\n` })]);
  t.is(built.code, 1);
  t.regex(built.stderr, /returned a non-zero code: 3/);
  t.deepEqual(networkLeftovers(root, []), NOTHING_LEFT);
});
