import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { StreamTee, teeInto } from './stream-tee.ts';

async function* numbered(count: number, onPull?: (i: number) => void): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    onPull?.(i);
    yield Buffer.from([i & 0xff]);
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<number[]> {
  const seen: number[] = [];
  for await (const chunk of source) seen.push(chunk[0] ?? -1);
  return seen;
}

test('every branch sees every chunk in order', async (t) => {
  const tee = new StreamTee(numbered(100));
  const [a, b] = await Promise.all(tee.branches.map(collect));
  const expected = Array.from({ length: 100 }, (_, i) => i);
  t.deepEqual(a, expected);
  t.deepEqual(b, expected);
});

test('a fast branch waits for a slow one instead of buffering the whole stream', async (t) => {
  let pulled = 0;
  const tee = new StreamTee(numbered(1000, (i) => { pulled = i + 1; }));
  const [fast, slow] = tee.branches;
  const fastDone = collect(fast);
  const slowIterator = slow[Symbol.asyncIterator]();
  await slowIterator.next();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.true(pulled < 40, `pulled ${pulled} chunks while one branch had read only one`);
  for (let r = await slowIterator.next(); r.done !== true; r = await slowIterator.next());
  t.is((await fastDone).length, 1000);
});

test('a branch that stops early no longer holds the other back', async (t) => {
  const tee = new StreamTee(numbered(500));
  const [a, b] = tee.branches;
  const stopEarly = (async () => {
    for await (const chunk of a) if (chunk[0] === 3) break;
  })();
  const all = await collect(b);
  await stopEarly;
  t.is(all.length, 500);
});

test('destroy makes every branch fail with the reason', async (t) => {
  const tee = new StreamTee(numbered(1_000_000));
  const [a, b] = tee.branches;
  const reason = new InvalidArgumentError('stop');
  const failing = (async () => {
    for await (const chunk of a) if (chunk[0] === 10) tee.destroy(reason);
  })();
  await t.throwsAsync(failing, { is: reason });
  await t.throwsAsync(collect(b), { is: reason });
});

test('teeInto throws the first failure and stops the other consumer', async (t) => {
  const reason = new InvalidArgumentError('checker refused');
  let storedChunks = 0;
  const err = await t.throwsAsync(
    teeInto(
      numbered(100_000),
      async (branch) => {
        for await (const _ of branch) storedChunks++;
      },
      async (branch) => {
        for await (const chunk of branch) if (chunk[0] === 5) throw reason;
      },
    ),
  );
  t.is(err, reason);
  t.true(storedChunks < 100, `the other consumer read ${storedChunks} chunks after the failure`);
});

test('teeInto returns both results', async (t) => {
  const count = async (branch: AsyncIterable<Buffer>): Promise<number> => (await collect(branch)).length;
  t.deepEqual(await teeInto(numbered(300), count, count), [300, 300]);
});

test('a source error reaches every branch', async (t) => {
  const boom = new InvalidArgumentError('source broke');
  async function* broken(): AsyncGenerator<Buffer> {
    yield Buffer.from([1]);
    throw boom;
  }
  const tee = new StreamTee(broken());
  const results = await Promise.allSettled(tee.branches.map(collect));
  t.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
});
