import fs from 'node:fs';
import test from 'ava';
import { DigestMismatchError, InvalidArgumentError } from '@layerctl/sys';
import { decompressAuto, GZIP_MAGIC } from './archive/compression.ts';
import { writeLayerBlob } from './archive/layer-blob.ts';
import type { Digest } from './content/digest.ts';
import { scratchRoot } from './image/test-images.ts';
import { readStoredLayer } from './read-stored-layer.ts';
import type { Root } from './root.ts';
import { chunked, collect } from './testing/byte-streams.ts';

const tar = Buffer.from('the bytes of a layer tar\n'.repeat(4000));

/** Offset of the compression method byte in a gzip header (RFC 1952 section 2.3.1); 8 is deflate, the only one defined. */
const GZIP_METHOD_OFFSET = 2;

async function storeGzipLayer(root: Root): Promise<Digest> {
  return (await writeLayerBlob(root.content, chunked(tar, 4096), 'gzip')).digest;
}

test('a stored layer reads back as its tar', async (t) => {
  const { root } = scratchRoot(t);
  const digest = await storeGzipLayer(root);
  t.true((await collect(readStoredLayer(root, digest, `layer ${digest}`))).equals(tar));
});

test('a blob changed on disk so that it no longer decompresses fails with DigestMismatchError naming it, not as bad data', async (t) => {
  const { root } = scratchRoot(t);
  const digest = await storeGzipLayer(root);
  const blob = root.content.path(digest);
  const bytes = fs.readFileSync(blob);
  bytes[GZIP_METHOD_OFFSET] = 7;
  fs.chmodSync(blob, 0o644);
  fs.writeFileSync(blob, bytes);
  // Decompression stops at the header, long before the content store's check at the end.
  await t.throwsAsync(collect(decompressAuto(root.content.read(digest), { what: 'plain read' })), { instanceOf: InvalidArgumentError });
  const error = await t.throwsAsync(collect(readStoredLayer(root, digest, `layer ${digest}`)), { instanceOf: DigestMismatchError });
  t.true(error?.message.startsWith(`blob ${digest}: content does not match its digest`));
});

test('a blob that matches its digest but is not valid gzip keeps the decompression error, naming the layer', async (t) => {
  const { root } = scratchRoot(t);
  const notGzip = Buffer.concat([GZIP_MAGIC, Buffer.from([7]), Buffer.alloc(100)]);
  const { digest } = await root.content.ingest(chunked(notGzip, 64));
  const what = `layer ${digest}`;
  const error = await t.throwsAsync(collect(readStoredLayer(root, digest, what)), { instanceOf: InvalidArgumentError });
  t.true(error?.message.startsWith(`${what}: not valid gzip data`));
});
