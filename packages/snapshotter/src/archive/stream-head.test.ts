import test from 'ava';
import { collect } from '../testing/byte-streams.ts';
import { peekHead } from './stream-head.ts';

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

test('the head spans chunks shorter than it and the stream still yields every byte once', async (t) => {
  const { head, stream } = await peekHead(chunks('a', 'b', 'cdef', 'gh'), 4);
  t.is(head.toString(), 'abcd');
  t.is((await collect(stream)).toString(), 'abcdefgh');
});

test('a stream shorter than the head gives the bytes it has', async (t) => {
  const { head, stream } = await peekHead(chunks('ab'), 4);
  t.is(head.toString(), 'ab');
  t.is((await collect(stream)).toString(), 'ab');
});

test('stopping the stream early returns the source', async (t) => {
  let returned = false;
  async function* source(): AsyncGenerator<Buffer> {
    try {
      for (;;) yield Buffer.from('xy');
    } finally {
      returned = true;
    }
  }
  const { stream } = await peekHead(source(), 1);
  for await (const chunk of stream) {
    t.is(chunk.toString(), 'xy');
    break;
  }
  t.true(returned);
});

test('sourceFailed tells the source failing from the consumer failing', async (t) => {
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.from('ok');
    throw new RangeError('disk gone');
  }
  const peeked = await peekHead(failing(), 1);
  t.false(peeked.sourceFailed);
  await t.throwsAsync(collect(peeked.stream), { instanceOf: RangeError });
  t.true(peeked.sourceFailed);

  const healthy = await peekHead(chunks('ok', 'more'), 1);
  await t.throwsAsync(
    (async () => {
      for await (const _ of healthy.stream) throw new TypeError('consumer gave up');
    })(),
    { instanceOf: TypeError },
  );
  t.false(healthy.sourceFailed);
});
