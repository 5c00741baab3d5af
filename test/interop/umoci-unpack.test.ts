/**
 * umoci (0.4.7 reads gzip layers only) unpacks the OCI layout `layerctl save --compression gzip`
 * writes into a rootfs equal to the tree the image was made from, entry by entry: type, mode,
 * owner, content, link targets, hardlinks, device numbers, xattrs and mtimes.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { importRootfs, type Root, saveImages } from '@layerctl/snapshotter';
import { diffTrees } from '@layerctl/snapshotter/testsuite';
import { runTool } from './external-tool.ts';
import { BUSYBOX_REF, busyboxTar, openTestRoot, scratchDir, TAG, TREE_REF, treeImageScene, untarLayout } from './interop-images.ts';

/** Saves `ref` as a gzip OCI archive, untars it, has umoci unpack it; returns the bundle's rootfs. */
async function umociUnpack(root: Root, scratch: string, ref: string): Promise<string> {
  const archive = path.join(scratch, 'image.tar');
  await saveImages(root, [ref], archive, { format: 'oci', compression: 'gzip' });
  const layout = await untarLayout(archive, path.join(scratch, 'layout'));
  const bundle = path.join(scratch, 'bundle');
  await runTool('umoci', ['unpack', '--image', `${layout.dir}:${TAG}`, bundle]);
  return path.join(bundle, 'rootfs');
}

test('umoci unpacks our gzip OCI image of a tree with special modes, links, a fifo, a device and long names into the same tree', async (t) => {
  const { scratch, root, tree } = await treeImageScene(t);
  const rootfs = await umociUnpack(root, scratch, TREE_REF);
  t.deepEqual(diffTrees(tree, rootfs), []);
});

test('umoci unpacks our gzip OCI image of the busybox fixture into the tree GNU tar extracts from the fixture', async (t) => {
  const scratch = scratchDir(t);
  const root = openTestRoot(t, path.join(scratch, 'root'));
  const rootfsTar = await busyboxTar(scratch);
  await importRootfs(root, fs.createReadStream(rootfsTar), BUSYBOX_REF);
  const expected = path.join(scratch, 'expected');
  fs.mkdirSync(expected);
  await runTool('tar', ['-xpf', rootfsTar, '-C', expected, '--numeric-owner', '--xattrs']);
  const rootfs = await umociUnpack(root, scratch, BUSYBOX_REF);
  t.deepEqual(diffTrees(expected, rootfs), []);
});
