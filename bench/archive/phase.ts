/**
 * One measured phase of the archive bench, run in a process of its own so that each phase's
 * peak memory (maxRSS) is its own:
 *   node bench/archive/phase.ts pack   --tree DIR --store DIR --zstd zstd-napi|node:zlib [--level N]
 *   node bench/archive/phase.ts unpack --store DIR --digest sha256:... --target DIR --zstd zstd-napi|node:zlib
 * Prints one JSON line: { ms, cpuMs, mainThreadCpuMs, maxRssBytes, blob? } (see PhaseReport in measure.ts).
 * (zstd-implementations.ts says what the two --zstd values stand for.)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { UsageError } from '@layerctl/sys';
// The archive and content modules alone, not the package's index: a pack or an unpack needs
// neither images, metadata (node:sqlite) nor snapshots, and a command that does one need not
// load them either. The peak RSS measured here is then the work's, over the smallest start.
import { applyLayer, packTree } from '../../packages/snapshotter/src/archive/index.ts';
import { decompressAuto, ZSTD_LAYER_LEVEL } from '../../packages/snapshotter/src/archive/compression.ts';
import { type LayerBlob, writeLayerBlob } from '../../packages/snapshotter/src/archive/layer-blob.ts';
import { ContentStore } from '../../packages/snapshotter/src/content/content-store.ts';
import { digestOfHash } from '../../packages/snapshotter/src/content/digest.ts';
import { ZSTD_IMPLEMENTATIONS, type ZstdImplementation } from './zstd-implementations.ts';

/** zlib's 16 KiB default output chunk costs speed (compression.ts measured it); 256 KiB is past the knee. */
const ZLIB_CHUNK = 256 * 1024;

/** The blob store inside the bench's work dir: content and its ingest scratch on one filesystem. */
function openBenchStore(dir: string): ContentStore {
  return ContentStore.open(path.join(dir, 'content'), path.join(dir, 'tmp'));
}

async function pack(tree: string, store: ContentStore, zstd: ZstdImplementation, level: number): Promise<LayerBlob> {
  if (zstd === 'zstd-napi') return writeLayerBlob(store, packTree(tree), 'zstd', { level });
  // writeLayerBlob's one pass, with Node's zstd as the compressor.
  const diffHash = createHash('sha256');
  let uncompressedSize = 0;
  const hashTar = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      diffHash.update(chunk);
      uncompressedSize += chunk.length;
      done(null, chunk);
    },
  });
  const compressor = zlib.createZstdCompress({ chunkSize: ZLIB_CHUNK, params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
  const stored = await pipeline(packTree(tree), hashTar, compressor, (blob: AsyncIterable<Buffer>) => store.ingest(blob));
  return { diffId: digestOfHash(diffHash), digest: stored.digest, size: stored.size, uncompressedSize, compression: 'zstd' };
}

async function unpack(store: ContentStore, digest: string, target: string, zstd: ZstdImplementation): Promise<void> {
  const blob = store.read(parseBlobDigest(digest));
  // Ours as layerctl reads a stored layer (read-stored-layer.ts): decompressAuto picks the decoder.
  if (zstd === 'zstd-napi') {
    await applyLayer(target, decompressAuto(blob, { what: `layer ${digest}` }));
    return;
  }
  await pipeline(blob, zlib.createZstdDecompress({ chunkSize: ZLIB_CHUNK }), (tar: AsyncIterable<Buffer>) => applyLayer(target, tar));
}

function parseBlobDigest(value: string): `sha256:${string}` {
  if (!/^sha256:[0-9a-f]{64}$/.test(value)) throw new UsageError(`--digest ${value}: not a sha256 digest`);
  return `sha256:${value.slice('sha256:'.length)}`;
}

function parseZstd(value: string | undefined): ZstdImplementation {
  const found = ZSTD_IMPLEMENTATIONS.find((name) => name === value);
  if (found === undefined) throw new UsageError(`--zstd ${value ?? '(missing)'}: one of ${ZSTD_IMPLEMENTATIONS.join(', ')}`);
  return found;
}

function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux Node runs on. */
const USER_HZ = 100;

/**
 * CPU time of the main thread alone (utime + stime of /proc/self/task/<pid>/stat), in ms: the
 * thread every step of ours waits on. On a shared machine CPU times move far less with the load
 * than wall times do.
 */
function mainThreadCpuMs(): number {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces and ends at the last ')'; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/**
 * How often the JS side of memory is sampled: often enough to catch a phase's plateau, seldom
 * enough not to weigh on the work measured. process.memoryUsage() took 0.3-0.5 ms a call on the
 * unpack's busy main thread; every 25 ms that was 1-2% of its time (profiles, session 4).
 */
const SAMPLE_MS = 100;

/**
 * The highest JS heap and Buffer memory seen while the phase runs, so a peak RSS can be split
 * into the JS heap, Buffers (arrayBuffers) and the rest (native: zstd contexts, thread stacks).
 */
function sampleMemory(): { stop(): { heapUsedBytes: number; arrayBuffersBytes: number } } {
  const peak = { heapUsedBytes: 0, arrayBuffersBytes: 0 };
  const sample = (): void => {
    const usage = process.memoryUsage();
    peak.heapUsedBytes = Math.max(peak.heapUsedBytes, usage.heapUsed);
    peak.arrayBuffersBytes = Math.max(peak.arrayBuffersBytes, usage.arrayBuffers);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tree: { type: 'string' },
      store: { type: 'string' },
      zstd: { type: 'string' },
      level: { type: 'string' },
      digest: { type: 'string' },
      target: { type: 'string' },
    },
  });
  const store = openBenchStore(required('store', values.store));
  const zstd = parseZstd(values.zstd);
  // What Node, type stripping and our modules cost before any work: the floor under every peak.
  const startRssBytes = process.memoryUsage().rss;
  const memory = sampleMemory();
  const cpuAtStart = process.cpuUsage();
  const mainThreadAtStart = mainThreadCpuMs();
  const started = process.hrtime.bigint();
  let blob: LayerBlob | undefined;
  switch (positionals[0]) {
    case 'pack':
      blob = await pack(required('tree', values.tree), store, zstd, Number(values.level ?? ZSTD_LAYER_LEVEL));
      break;
    case 'unpack':
      await unpack(store, required('digest', values.digest), required('target', values.target), zstd);
      break;
    default:
      throw new UsageError(`phase ${positionals[0] ?? '(missing)'}: pack or unpack`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const mainThreadMs = mainThreadCpuMs() - mainThreadAtStart;
  // resourceUsage().maxRSS is in KiB.
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ ms, cpuMs, mainThreadCpuMs: mainThreadMs, maxRssBytes, startRssBytes, memory: memory.stop(), blob })}\n`);
}

await main();
