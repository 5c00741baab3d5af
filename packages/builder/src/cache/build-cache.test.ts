import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';
import { openRoot, sha256Digest, type Digest } from '@layerctl/snapshotter';
import { BuildCache, pruneBuildCache } from './build-cache.ts';
import { baseCacheKey, stepCacheKey } from './cache-key.ts';

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

function openScratchRoot(t: Parameters<typeof scratchDir>[0]) {
  const root = openRoot(scratchDir(t));
  t.teardown(() => root.close());
  return root;
}

async function storedBlob(root: ReturnType<typeof openRoot>, text: string): Promise<Digest> {
  return (await root.content.ingest(once(Buffer.from(text)))).digest;
}

test('an entry is found again under its key, in another BuildCache on the same root (it lives in metadata.db)', async (t) => {
  const root = openScratchRoot(t);
  const digest = await storedBlob(root, 'layer');
  new BuildCache(root).store({ key: 'k1', created: '2024-01-01T00:00:00.000Z', layer: { diffId: sha256Digest('tar'), digest, size: 5, mediaType: 'm' } });
  new BuildCache(root).store({ key: 'k2', created: '2024-01-02T00:00:00.000Z' });
  t.deepEqual(new BuildCache(root).lookup('k1'), { key: 'k1', created: '2024-01-01T00:00:00.000Z', layer: { diffId: sha256Digest('tar'), digest, size: 5, mediaType: 'm' } });
  t.deepEqual(new BuildCache(root).lookup('k2'), { key: 'k2', created: '2024-01-02T00:00:00.000Z' });
  t.is(new BuildCache(root).lookup('k3'), undefined);
});

test('an entry whose blob gc removed is a miss, and pruning drops it', async (t) => {
  const root = openScratchRoot(t);
  const digest = await storedBlob(root, 'gone soon');
  const cache = new BuildCache(root);
  cache.store({ key: 'dead', created: 'x', layer: { diffId: sha256Digest('t'), digest, size: 9, mediaType: 'm' } });
  cache.store({ key: 'config-only', created: 'x' });
  root.content.delete(digest);
  t.is(cache.lookup('dead'), undefined);
  t.is(pruneBuildCache(root), 1);
  t.truthy(cache.lookup('config-only'), 'an entry without a layer has no blob to lose');
  t.is(pruneBuildCache(root), 0);
});

test('pruning with unusedSince drops entries no build has used since; touch keeps one', async (t) => {
  const root = openScratchRoot(t);
  const cache = new BuildCache(root);
  cache.store({ key: 'old', created: 'x' });
  cache.store({ key: 'used', created: 'x' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const cutoff = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  cache.touch(['used']);
  t.is(pruneBuildCache(root, { unusedSince: cutoff }), 1);
  t.truthy(cache.lookup('used'));
  t.is(cache.lookup('old'), undefined);
});

test("a step key depends on its parent's key, its instruction, its ARG values and its sources, not on the order of ARGs", (t) => {
  const base = baseCacheKey('image sha256:aa');
  const key = stepCacheKey(base, { instruction: ['RUN', ['sh']], args: { A: '1', B: '2' }, sources: 's' });
  t.is(stepCacheKey(base, { instruction: ['RUN', ['sh']], args: { B: '2', A: '1' }, sources: 's' }), key);
  t.not(stepCacheKey(baseCacheKey('image sha256:bb'), { instruction: ['RUN', ['sh']], args: { A: '1', B: '2' }, sources: 's' }), key);
  t.not(stepCacheKey(base, { instruction: ['RUN', ['bash']], args: { A: '1', B: '2' }, sources: 's' }), key);
  t.not(stepCacheKey(base, { instruction: ['RUN', ['sh']], args: { A: '1', B: '3' }, sources: 's' }), key);
  t.not(stepCacheKey(base, { instruction: ['RUN', ['sh']], args: { A: '1', B: '2' }, sources: 't' }), key);
});
