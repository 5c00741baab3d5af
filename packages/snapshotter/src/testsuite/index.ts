/**
 * The conformance suite every driver must pass (`@layerctl/snapshotter/testsuite`): test files
 * in test/conformance call these once per driver. Test code only: it registers ava tests.
 */
export { snapshotterSuite, type CaseName } from './snapshotter-suite.ts';
export { driverSuite, type DriverCaseName } from './driver-cases.ts';
export type { OpenSnapshotter } from './suite-context.ts';
export type { OpenDriver } from './driver-context.ts';
/** The tree oracle the suite compares with, for other tests that check an unpacked tree. */
export { diffFacts, diffTrees, treeFacts, type TreeOptions } from '../archive/testdata/compare-trees.ts';
