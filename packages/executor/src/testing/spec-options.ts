import type { ContainerSpecOptions } from '../spec/container-spec.ts';

/** containerSpec's options for a plain container (test code only): a shell, no network, one bind, a cgroup. */
export const TEST_SPEC_OPTIONS: ContainerSpecOptions = {
  rootfs: '/x/rootfs',
  args: ['sh'],
  env: ['PATH=/bin'],
  cwd: '/',
  user: { uid: 0, gid: 0, additionalGids: [] },
  hostname: 'h',
  terminal: false,
  network: 'none',
  mounts: [{ destination: '/etc/hosts', type: 'bind', source: '/c/hosts', options: ['rbind', 'ro'] }],
  cgroupsPath: 'layerctl/abc',
};
