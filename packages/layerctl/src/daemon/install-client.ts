// `node install-client.ts DEST NODE`: builds the C client for NODE and this checkout and puts it at
// DEST, whole or not at all (scripts/setup.sh installs /usr/local/bin/layerctl this way).
import fs from 'node:fs';
import { clientBinary } from './client-binary.ts';

const [destination, node] = process.argv.slice(2);
if (destination === undefined || node === undefined) {
  process.stderr.write('usage: install-client.ts DEST NODE\n');
  process.exit(2);
}
const partial = `${destination}.partial`;
fs.copyFileSync(clientBinary({ node }), partial);
fs.chmodSync(partial, 0o755);
fs.renameSync(partial, destination);
