/**
 * layerctl's side of the unpack pair: every layer of an OCI image layout applied in order into
 * an empty dir, the blobs read as they are stored (gzip), through the same decompress and
 * applyLayer that `layerctl run` unpacks with. Prints one JSON line { ms }: the work only, Node's
 * start-up and module loading excluded (umoci's time, measured from outside, includes its start).
 *   node bench/compare/unpack-phase.ts --layout DIR --target DIR
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { applyLayer, decompressStream } from '@layerctl/snapshotter';
import { InvalidArgumentError } from '@layerctl/sys';

const GZIP_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** Index and manifest are small JSON documents: read whole, with a cap. */
const JSON_CAP = 1024 * 1024;

function readJson(file: string): unknown {
  if (fs.statSync(file).size > JSON_CAP) throw new InvalidArgumentError(`${file}: larger than ${JSON_CAP} bytes`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function blobPath(layout: string, digest: unknown): string {
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new InvalidArgumentError(`${layout}: digest ${JSON.stringify(digest)} is not sha256:<64 hex>`);
  return path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

function field(value: unknown, key: string, where: string): unknown {
  if (typeof value !== 'object' || value === null || !(key in value)) throw new InvalidArgumentError(`${where}: no ${key}`);
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}

/** The gzip layer blobs of the layout's first manifest, base first. */
function layerBlobs(layout: string): string[] {
  const manifests = field(readJson(path.join(layout, 'index.json')), 'manifests', 'index.json');
  if (!Array.isArray(manifests) || manifests.length === 0) throw new InvalidArgumentError(`${layout}/index.json: no manifests`);
  const manifest = readJson(blobPath(layout, field(manifests[0], 'digest', 'index.json manifests[0]')));
  const layers = field(manifest, 'layers', 'manifest');
  if (!Array.isArray(layers)) throw new InvalidArgumentError(`${layout}: manifest layers is not a list`);
  return layers.map((layer, i) => {
    const mediaType = field(layer, 'mediaType', `manifest layers[${i}]`);
    if (mediaType !== GZIP_LAYER) throw new InvalidArgumentError(`${layout}: layer ${i} is ${String(mediaType)}, the pair compares ${GZIP_LAYER} (what umoci reads)`);
    return blobPath(layout, field(layer, 'digest', `manifest layers[${i}]`));
  });
}

const { values } = parseArgs({ options: { layout: { type: 'string' }, target: { type: 'string' } } });
if (values.layout === undefined || values.target === undefined) throw new InvalidArgumentError('unpack-phase: --layout DIR --target DIR');
const blobs = layerBlobs(values.layout);
const target = values.target;
fs.mkdirSync(target, { recursive: true });
const started = performance.now();
for (const blob of blobs) await pipeline(fs.createReadStream(blob), decompressStream('gzip'), (tar: AsyncIterable<Buffer>) => applyLayer(target, tar));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`);
