import { devmapperConformance } from './devmapper-pool.ts';

/** The conformance suite on devmapper (reflink backend) over a btrfs pool. */
devmapperConformance('btrfs');
