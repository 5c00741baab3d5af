import path from 'node:path';
import { openRoot, openSnapshotter, TMP_DIR } from '@layerctl/snapshotter';
import { driverSuite, snapshotterSuite, type CaseName, type OpenSnapshotter } from '@layerctl/snapshotter/testsuite';
import { AufsDriver } from '@layerctl/drivers-aufs';

const aufs = (root: string): AufsDriver => new AufsDriver({ root, tmpDir: path.join(root, TMP_DIR) });

const FIVE_HUNDRED =
  'aufs does not claim 500 layers: kernel aufs stops at its compiled-in branch limit (127 unless built with CONFIG_AUFS_BRANCH_MAX_511 or more), ' +
  'and fuse-overlayfs 1.10 takes 2.4 s here to start on 500 lower dirs, so building the chain one mount per layer took 14 minutes in a trial run';

/** Behaviours of fuse-overlayfs 1.10, the mount path on hosts without kernel aufs (this one). */
const unsupported: Partial<Record<CaseName, string>> = {
  Rename: 'fuse-overlayfs refuses to rename a directory from a lower branch (EXDEV), as overlayfs without redirect_dir',
  LowerHardlinkCopyUp: 'fuse-overlayfs keeps no index of copied-up inodes: a chown through the second name of a lower hardlink is lost once the first name was copied up',
  Chmod: 'fuse-overlayfs 1.10 drops the setgid bit of a directory it copies up (a lower 2775 directory is 0775 in the upper branch)',
  OpenFileInodeStability:
    'fuse-overlayfs serves a descriptor opened before copy-up from the lower file, as overlayfs did before Linux 4.19 ' +
    '(only the kernel writeback cache hid it, and the driver turns that cache off so that mtimes read back as written)',
  '500LayersMount': FIVE_HUNDRED,
  '500LayersChild': FIVE_HUNDRED,
};

const open: OpenSnapshotter = async (dir) => {
  const root = openRoot(dir);
  const snapshotter = await openSnapshotter(root, aufs(dir));
  return {
    snapshotter,
    async close() {
      await snapshotter.close();
      root.close();
    },
  };
};

snapshotterSuite('aufs', open, unsupported);
driverSuite('aufs', async (root) => aufs(root));
