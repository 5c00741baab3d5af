/**
 * Helpers for tests in every package (`@layerctl/sys/testing`): scratch directories on tmpfs that
 * are removed when a test ends, and a view of the mount table. Test code only; nothing under src/
 * outside tests imports this.
 */
export { scratchDir, unmountInTeardown } from './scratch.ts';
export { fsTypeAt, mountPoints } from '../mount-points.ts';
export { smallTmpfs } from './small-tmpfs.ts';
