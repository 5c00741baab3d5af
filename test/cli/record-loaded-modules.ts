// Preloaded with `node --import` by the start-up tests: appends the URL of every module Node
// loads (ES modules, CommonJS and built-ins alike) to the file named by LAYERCTL_LOADED_MODULES.
import fs from 'node:fs';
import module from 'node:module';

const log = process.env['LAYERCTL_LOADED_MODULES'];
if (log !== undefined) {
  module.registerHooks({
    load(url, context, nextLoad) {
      fs.appendFileSync(log, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
