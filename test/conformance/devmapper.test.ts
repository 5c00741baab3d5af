import { devmapperConformance } from './devmapper-pool.ts';

/** The conformance suite on devmapper (reflink backend) over an XFS pool with reflink=1. */
devmapperConformance('xfs');
