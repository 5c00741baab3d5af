import { InvalidArgumentError } from '@layerctl/sys';

/**
 * The segments of a cgroups path ('layerctl/<id>', or the spec's linux.cgroupsPath). Relative and
 * absolute paths alike are placed under each hierarchy's root, never under the cgroup of the
 * process that creates them (here that is /process_api/<x> in the memory hierarchy, which would
 * put the container under layerctl's own limit and leave it behind when that cgroup goes).
 */
export function cgroupPathSegments(path: string): string[] {
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) throw new InvalidArgumentError(`cgroups path "${path}" names no cgroup below the root`);
  for (const s of segments) {
    if (s === '..') throw new InvalidArgumentError(`cgroups path "${path}" climbs out of the hierarchy with ".."`);
  }
  return segments;
}
