import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { testBundle } from '../testing/test-container.ts';

// The bundle containerSpec + writeBundle make is valid OCI: the Debian runtimes run it as it is.
// crun 1.8 refuses a host whose cgroup2 mount holds a controller (this host's hybrid layout:
// hugetlb on /sys/fs/cgroup/unified), even with --cgroup-manager=disabled. The workaround: run it
// in a private mount namespace where that mount is gone, so crun sees plain cgroup v1. The host's
// own mount table is untouched (unshare -m makes the namespace private).
const CGROUP2_HYBRID_MOUNT = '/sys/fs/cgroup/unified';
const SCRIPT = 'hostname; ip -o link | wc -l; grep CapEff /proc/self/status; ls /proc | grep -c "^[0-9]"; exit 4';

function runtimeCommand(runtime: 'crun' | 'runc', bundle: string, id: string): string[] {
  const run = `${runtime} run --bundle ${bundle} ${id}`;
  if (runtime === 'runc') return ['sh', '-c', run];
  return ['unshare', '-m', 'sh', '-c', `if mountpoint -q ${CGROUP2_HYBRID_MOUNT}; then umount ${CGROUP2_HYBRID_MOUNT}; fi; exec ${run}`];
}

for (const runtime of ['crun', 'runc'] as const) {
  test(`${runtime} runs the bundle containerSpec and writeBundle wrote`, (t) => {
    const { bundle, id } = testBundle(t, { args: ['sh', '-c', SCRIPT], hostname: `${runtime}-host` }, (spec) => {
      spec.linux.cgroupsPath = `layerctl-test-${runtime}-${path.basename(path.dirname(spec.root.path))}/ctr`;
    });
    const cgroupParent = `layerctl-test-${runtime}-${path.basename(path.dirname(bundle))}`;
    t.teardown(() => {
      for (const hierarchy of fs.readdirSync('/sys/fs/cgroup')) {
        const dir = path.join('/sys/fs/cgroup', hierarchy, cgroupParent);
        if (fs.existsSync(path.join(dir, 'ctr'))) fs.rmdirSync(path.join(dir, 'ctr'));
        if (fs.existsSync(dir)) fs.rmdirSync(dir);
      }
    });
    const [command, ...args] = runtimeCommand(runtime, bundle, `${runtime}-${id}`);
    const result = spawnSync(command ?? 'sh', args, { encoding: 'utf8', timeout: 60_000 });
    t.is(result.status, 4, result.stderr);
    const [hostname, links, capEff, pids] = result.stdout.trim().split('\n');
    t.is(hostname, `${runtime}-host`);
    t.is(links, '1');
    t.is(capEff, 'CapEff:\t00000000a80425fb');
    t.true(Number(pids) <= 4, `pids seen: ${pids}`);
  });
}
