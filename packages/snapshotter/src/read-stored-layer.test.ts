import fs from 'node:fs';
import type { Readable } from 'node:stream';
import test from 'ava';
import { DigestMismatchError, InvalidArgumentError } from '@layerctl/sys';
import { decompressAuto, GZIP_MAGIC, type Compression } from './archive/compression.ts';
import { writeLayerBlob } from './archive/layer-blob.ts';
import { readTar, tarHeader, writeTar } from './archive/tar/index.ts';
import type { Digest } from './content/digest.ts';
import { scratchRoot } from './image/test-images.ts';
import { readStoredLayer } from './read-stored-layer.ts';
import type { Root } from './root.ts';
import { chunked, collect } from './testing/byte-streams.ts';

const body = Buffer.from('the content of a file in a layer\n'.repeat(4000));

/** Offset of the compression method byte in a gzip header (RFC 1952 section 2.3.1); 8 is deflate, the only one defined. */
const GZIP_METHOD_OFFSET = 2;
/** Offset of a ustar header's mode field, which its checksum covers. */
const TAR_MODE_OFFSET = 100;

async function storeLayer(root: Root, compression: Compression): Promise<Digest> {
  const tar = writeTar([{ header: tarHeader({ name: 'file', type: 'file', mode: 0o644, size: body.length }), body }]);
  return (await writeLayerBlob(root.content, tar, compression)).digest;
}

/** Changes one byte of a stored blob in place, as a disk fault or a careless hand would. */
function alterBlob(root: Root, digest: Digest, offset: number, value: number): void {
  const file = root.content.path(digest);
  const bytes = fs.readFileSync(file);
  bytes[offset] = value;
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, bytes);
}

/** Reads every entry of the tar, as an applier would. */
async function readEntries(tar: Readable): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of readTar(tar)) {
    names.push(entry.header.name);
    await collect(entry.body);
  }
  return names;
}

function layer(digest: Digest): string {
  return `layer ${digest}`;
}

test('a stored layer is handed over as its tar, and what use returns is returned', async (t) => {
  const { root } = scratchRoot(t);
  const digest = await storeLayer(root, 'gzip');
  t.deepEqual(await readStoredLayer(root, digest, layer(digest), readEntries), ['file']);
});

test('a blob changed on disk so that it no longer decompresses fails with DigestMismatchError naming it, not as bad data', async (t) => {
  const { root } = scratchRoot(t);
  const digest = await storeLayer(root, 'gzip');
  alterBlob(root, digest, GZIP_METHOD_OFFSET, 7);
  // Decompression stops at the header, long before the content store's check at the end.
  await t.throwsAsync(collect(decompressAuto(root.content.read(digest), { what: 'plain read' })), { instanceOf: InvalidArgumentError });
  const error = await t.throwsAsync(readStoredLayer(root, digest, layer(digest), readEntries), { instanceOf: DigestMismatchError });
  t.true(error?.message.startsWith(`blob ${digest}: content does not match its digest`));
});

test('a blob changed on disk so that its tar breaks fails with DigestMismatchError naming it, not as a bad tar', async (t) => {
  const { root } = scratchRoot(t);
  const digest = await storeLayer(root, 'none');
  alterBlob(root, digest, TAR_MODE_OFFSET, 0x37);
  await t.throwsAsync(readEntries(root.content.read(digest)), { instanceOf: InvalidArgumentError });
  const error = await t.throwsAsync(readStoredLayer(root, digest, layer(digest), readEntries), { instanceOf: DigestMismatchError });
  t.true(error?.message.startsWith(`blob ${digest}: content does not match its digest`));
});

test('a blob that matches its digest but is not valid gzip keeps the decompression error, naming the layer', async (t) => {
  const { root } = scratchRoot(t);
  const notGzip = Buffer.concat([GZIP_MAGIC, Buffer.from([7]), Buffer.alloc(100)]);
  const { digest } = await root.content.ingest(chunked(notGzip, 64));
  const error = await t.throwsAsync(readStoredLayer(root, digest, layer(digest), readEntries), { instanceOf: InvalidArgumentError });
  t.true(error?.message.startsWith(`${layer(digest)}: not valid gzip data`));
});
