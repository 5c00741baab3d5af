import fs from 'node:fs';
import path from 'node:path';
import { openRoot, openSnapshotter, TMP_DIR } from '@layerctl/snapshotter';
import { driverSuite, snapshotterSuite, type CaseName, type OpenSnapshotter } from '@layerctl/snapshotter/testsuite';
import { Overlay2Driver } from '@layerctl/drivers-overlay2';

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
const onePage = 'the legacy mount(2) takes one page of options, which holds about 135 relative l/ lower dirs (Docker stops at 128)';
snapshotterSuite('overlay2 (legacy mount)', openOn({ 'overlay2.mount_api': 'legacy' }), {
  ...unsupported,
  '500LayersMount': onePage,
  '500LayersChild': onePage,
});
driverSuite('overlay2 (naive diff)', async (root) => overlay2(root, { 'overlay2.diff': 'naive' }));
