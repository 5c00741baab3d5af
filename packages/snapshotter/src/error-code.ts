// Moved to sys, the lowest package, so that every package asks the same way; kept here for the
// snapshotter's many importers.
export { errorCode } from '@layerctl/sys';
