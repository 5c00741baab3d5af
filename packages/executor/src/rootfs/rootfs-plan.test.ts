import test from 'ava';
import { containerSpec } from '../spec/container-spec.ts';
import { TEST_SPEC_OPTIONS } from '../testing/spec-options.ts';
import { rootfsPlan } from './rootfs-plan.ts';

// No bind: its source would have to exist on this host.
const SPEC = containerSpec({ ...TEST_SPEC_OPTIONS, mounts: [] });

const PROCS = ['/sys/fs/cgroup/cpu/layerctl/abc/cgroup.procs', '/sys/fs/cgroup/memory/layerctl/abc/cgroup.procs'];

test('the plan waits for the parent to make the cgroup directories just before it first mounts one, and only then', (t) => {
  const ops = rootfsPlan(SPEC, '/x', PROCS);
  const wait = ops.findIndex((op) => op.op === 'wait_go');
  const firstCgroupBind = ops.findIndex((op) => op.op === 'mount_in_root' && PROCS.some((file) => file.startsWith(`${String(op.args[0])}/`)));
  t.true(wait >= 0 && firstCgroupBind > wait);
  t.is(ops.filter((op) => op.op === 'wait_go').length, 1);
  t.false(ops.slice(wait + 1, firstCgroupBind).some((op) => op.op === 'mount' || op.op === 'unshare'));
  t.true(ops.slice(0, wait).some((op) => op.op === 'mount_in_root' && op.args[2] === 'proc'), 'the mounts before the cgroups go first');
});

test('a container without cgroups has no wait in its root filesystem plan', (t) => {
  t.false(rootfsPlan(SPEC, '/x', []).some((op) => op.op === 'wait_go'));
});
