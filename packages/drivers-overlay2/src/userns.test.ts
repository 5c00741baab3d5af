import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { scratchDir } from '@layerctl/sys/testing';

/**
 * Inside a user namespace overlay cannot reach trusted.* xattrs and is mounted with `userxattr`;
 * the driver must find that out by itself and keep opaque directories as user.overlay.opaque.
 * The script runs in a new user and mount namespace (unshare -Urm), so its mounts go with it.
 */
const script = `
  import fs from 'node:fs';
  import path from 'node:path';
  import { lgetxattr } from '@layerctl/sys';
  import { Overlay2Driver } from ${JSON.stringify(new URL('./driver.ts', import.meta.url).href)};
  import { diffDir, headersOf, makeChangedChild, mergedTree } from ${JSON.stringify(new URL('./scratch-driver.ts', import.meta.url).href)};
  const root = process.argv[1];
  const driver = new Overlay2Driver({ root, tmpDir: path.join(root, 'tmp') });
  await driver.init();
  await makeChangedChild(driver, root);
  const names = (await headersOf(driver.diff('child', 'base'))).map((h) => h.name);
  await driver.create('copy', 'base', { readonly: false });
  await driver.applyDiff('copy', 'base', driver.diff('child', 'base'));
  console.log(JSON.stringify({
    status: Object.fromEntries(driver.status()),
    options: driver.mounts('child')[0].options.slice(-1),
    opaque: lgetxattr(path.join(diffDir(root, 'child'), 'dir'), 'user.overlay.opaque')?.toString(),
    copyOpaque: lgetxattr(path.join(diffDir(root, 'copy'), 'dir'), 'user.overlay.opaque')?.toString(),
    names,
    same: JSON.stringify(await mergedTree(driver, 'copy')) === JSON.stringify(await mergedTree(driver, 'child')),
  }));`;

test('in a user namespace overlay2 mounts with userxattr and converts user.overlay.opaque both ways', async (t) => {
  const root = scratchDir(t);
  // Run from the package, where the script's bare imports (@layerctl/sys) resolve.
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const { stdout } = await promisify(execFile)('unshare', ['-Urm', process.execPath, '--input-type=module', '-e', script, root], { cwd });
  const result: unknown = JSON.parse(stdout);
  t.like(result, {
    status: { 'Overlay xattrs': 'user.overlay.* (userxattr: in a user namespace)' },
    options: ['userxattr'],
    opaque: 'y',
    copyOpaque: 'y',
    names: ['.wh.gone', 'added', 'dir', 'dir/.wh..wh..opq', 'dir/new', 'kept', 'link'],
    same: true,
  });
});
