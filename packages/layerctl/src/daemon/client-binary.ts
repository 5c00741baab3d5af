import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticBinary } from '@layerctl/executor';

const CLIENT_SOURCE = fileURLToPath(new URL('../../native/client/client.c', import.meta.url));
/** With the package, root-owned like the code (see the executor's INIT_CACHE). */
const CLIENT_CACHE = fileURLToPath(new URL('../../node_modules/.cache/layerctl-client', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/layerctl.js', import.meta.url));

export interface ClientBuild {
  /** The Node the client runs bin/layerctl.js with when no daemon answers. */
  node: string;
  /** The bin/layerctl.js it runs; this checkout's by default. */
  entry?: string;
  /** Only for tests of a client and worker that disagree. */
  protocolVersion?: number;
}

/** A C string literal for a -D definition: JSON's escapes are C's for the characters a path holds. */
function cString(value: string): string {
  return JSON.stringify(value);
}

/**
 * The `layerctl` client (native/client/client.c), built by gcc for this Node and entry, and kept
 * under the package's cache by a hash of its source and definitions.
 */
export function clientBinary(build: ClientBuild): string {
  const flags = [`-DLAYERCTL_NODE=${cString(path.resolve(build.node))}`, `-DLAYERCTL_ENTRY=${cString(path.resolve(build.entry ?? BIN))}`];
  if (build.protocolVersion !== undefined) flags.push(`-DPROTOCOL_VERSION=${build.protocolVersion}`);
  return staticBinary([CLIENT_SOURCE], 'layerctl', CLIENT_CACHE, flags);
}
