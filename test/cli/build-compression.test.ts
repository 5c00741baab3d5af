import test from 'ava';
import { openRoot, rowText } from '@layerctl/snapshotter';
import { busyboxTarForFile } from './busybox-tar.ts';
import { buildScratch, writtenDiffIds } from './build-scratch.ts';

const busyboxTar = busyboxTarForFile(test);

/** Text that compresses differently at zstd level 1 and 3: numbered lines of varied words. */
function sampleText(): string {
  const words = ['layer', 'stage', 'build', 'copy', 'image', 'cache', 'digest', 'mount', 'zstd', 'tar'];
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(`${i} ${words[i % 7]} ${words[(i * 3) % 10]} ${words[(i * i) % 9]} ${(i * 2654435761) % 1000003}`);
  return `${lines.join('\n')}\n`;
}

test("a stage only COPY --from reads packs its layers at the intermediate zstd level: the same DiffID as when it is the target, another blob", async (t) => {
  const { build, context, imageFile, root } = await buildScratch(t, busyboxTar());
  const dir = context('intermediate', {
    Dockerfile: 'FROM busybox AS data\nCOPY data.txt /data.txt\n\nFROM busybox\nCOPY --from=data /data.txt /copied.txt\n',
    'data.txt': sampleText(),
  });
  const blobOf = (diffId: string): string => {
    const store = openRoot(root);
    try {
      const row = store.metadata.read((db) => db.prepare('SELECT blob_digest FROM build_cache WHERE diff_id = ?').get(diffId));
      if (row === undefined) throw new TypeError(`no build cache entry has the layer ${diffId}`);
      return rowText(row, 'build_cache', 'blob_digest');
    } finally {
      store.close();
    }
  };
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const whole = await build(['-t', 'whole', dir], { env });
  t.is(whole.code, 0, whole.stderr);
  const [intermediateDiffId] = writtenDiffIds(whole.events);
  t.truthy(intermediateDiffId);
  const intermediateBlob = blobOf(intermediateDiffId ?? '');
  t.is((await imageFile('whole', '/copied.txt'))?.content, sampleText());

  const target = await build(['-t', 'data', '--target', 'data', '--no-cache', dir], { env });
  t.is(target.code, 0, target.stderr);
  t.deepEqual(writtenDiffIds(target.events), [intermediateDiffId]);
  t.not(blobOf(intermediateDiffId ?? ''), intermediateBlob, 'the exported layer is packed at the default level');
  t.is((await imageFile('data', '/data.txt'))?.content, sampleText());
});
