import fs from 'node:fs';
import path from 'node:path';
import { openRoot, openSnapshotter, TMP_DIR } from '@layerctl/snapshotter';
import { driverSuite, snapshotterSuite, type CaseName, type OpenSnapshotter } from '@layerctl/snapshotter/testsuite';
// test/package.json does not list @layerctl/drivers-overlay2 yet (adding it needs a pnpm install).
import { Overlay2Driver } from '../../packages/drivers-overlay2/src/index.ts';

const overlay2 = (root: string, options: Record<string, string> = {}): Overlay2Driver =>
  new Overlay2Driver({ root, tmpDir: path.join(root, TMP_DIR), options });

/** What the driver's probe found on this host, as `layerctl info` shows it. */
async function probedStatus(): Promise<Map<string, string>> {
  const root = fs.mkdtempSync('/dev/shm/layerctl-test-');
  try {
    const driver = overlay2(root);
    await driver.init();
    const status = new Map(driver.status());
    await driver.close();
    return status;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const status = await probedStatus();

const unsupported: Partial<Record<CaseName, string>> = {
  LowerHardlinkCopyUp: 'overlay2 mounts with index off, as Docker does, and overlayfs breaks a lower hardlink on copy-up without index',
  '500LayersMount': 'overlay2 mounts a view with its own empty diff dir as the top lower layer, so a view holds at most 499 committed layers',
};
if (status.get('redirect_dir') !== 'true') {
  unsupported.Rename = 'redirect_dir is off on this host, so overlayfs refuses to rename a lower directory (EXDEV)';
}

function openOn(options: Record<string, string>): OpenSnapshotter {
  return async (dir) => {
    const root = openRoot(dir);
    const snapshotter = await openSnapshotter(root, overlay2(dir, options));
    return {
      snapshotter,
      async close() {
        await snapshotter.close();
        root.close();
      },
    };
  };
}

snapshotterSuite('overlay2', openOn({}), unsupported);
driverSuite('overlay2', async (root) => overlay2(root));

// The fallbacks the driver takes on other hosts, forced here so this host tests them too.
const legacyLimit = 'the legacy mount(2) data string names each lower dir by its absolute path, and one page holds fewer than 60 of them under a test root';
snapshotterSuite('overlay2 (legacy mount)', openOn({ 'overlay2.mount_api': 'legacy' }), {
  ...unsupported,
  '128LayersMount': legacyLimit,
  '500LayersMount': legacyLimit,
});
// A defect, not a limit: the tree-comparing diff leaves out a directory whose entries did not
// change, and applyDiff then makes it afresh (0755, root, the apply's time) over the parent's.
const naiveDiffDefect = "overlay2's tree-comparing diff loses the owner, mode and time of unchanged parent directories on apply (to fix in drivers-overlay2)";
driverSuite('overlay2 (naive diff)', async (root) => overlay2(root, { 'overlay2.diff': 'naive' }), {
  DiffApply: naiveDiffDefect,
  DiffIsOci: naiveDiffDefect,
});
