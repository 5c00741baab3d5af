import packageJson from '../package.json' with { type: 'json' };

/** The version `layerctl --version` prints: the one in packages/layerctl/package.json. */
export const version: string = packageJson.version;
