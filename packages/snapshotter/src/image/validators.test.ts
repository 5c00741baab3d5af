import test from 'ava';
import { InvalidArgumentError } from '@layerctl/sys';
import { validateManifest } from './manifest.ts';
import { validateImageConfig } from './image-config.ts';
import { validateImageIndex } from './image-index.ts';
import { DOCKER_MANIFEST, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_MANIFEST } from './media-types.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;
const DOC = `manifest ${A}`;

function goodManifest(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: A, size: 10 },
    layers: [
      { mediaType: OCI_LAYER_ZSTD, digest: B, size: 100 },
      { mediaType: OCI_LAYER_GZIP, digest: C, size: 0 },
      { mediaType: OCI_LAYER, digest: A, size: 5, annotations: { k: 'v' } },
    ],
  };
}

function goodConfig(): Record<string, unknown> {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/bin'], Cmd: null, ExposedPorts: { '80/tcp': {} }, Labels: { a: 'b' } },
    rootfs: { type: 'layers', diff_ids: [A, B] },
    history: [{ created_by: 'import', empty_layer: false }],
    unknownField: { kept: 'out' },
  };
}

test('a well-formed OCI manifest validates to the same values', (t) => {
  const manifest = validateManifest(goodManifest(), DOC);
  t.is(manifest.mediaType, OCI_MANIFEST);
  t.deepEqual(manifest.config, { mediaType: OCI_CONFIG, digest: A, size: 10 });
  t.deepEqual(manifest.layers.map((l) => l.digest), [B, C, A]);
  t.deepEqual(manifest.layers[2]?.annotations, { k: 'v' });
});

test('a manifest without mediaType is taken as OCI, and a Docker v2 manifest is accepted', (t) => {
  const noType = goodManifest();
  delete noType['mediaType'];
  t.is(validateManifest(noType, DOC).mediaType, OCI_MANIFEST);
  t.is(validateManifest({ ...goodManifest(), mediaType: DOCKER_MANIFEST }, DOC).mediaType, DOCKER_MANIFEST);
});

const badManifests: [string, (m: Record<string, unknown>) => void, string][] = [
  ['not an object', (m) => { m['schemaVersion'] = undefined; }, `${DOC}: schemaVersion: must be 2, not undefined`],
  ['schemaVersion 1', (m) => { m['schemaVersion'] = 1; }, `${DOC}: schemaVersion: must be 2, not 1`],
  ['an index media type', (m) => { m['mediaType'] = OCI_INDEX; }, `${DOC}: mediaType: not an image manifest media type: "${OCI_INDEX}"`],
  ['no config', (m) => { delete m['config']; }, `${DOC}: config: not a JSON object`],
  ['a config digest that is not sha256', (m) => { m['config'] = { mediaType: OCI_CONFIG, digest: 'md5:abc', size: 1 }; }, `${DOC}: config.digest`],
  ['an artifact config media type', (m) => { m['config'] = { mediaType: 'application/x-thing', digest: A, size: 1 }; }, `${DOC}: config.mediaType: not an image config media type: "application/x-thing"`],
  ['layers not an array', (m) => { m['layers'] = {}; }, `${DOC}: layers: not a JSON array`],
  ['a bad layer digest', (m) => { (m['layers'] as Record<string, unknown>[])[2]!['digest'] = 'sha256:xyz'; }, `${DOC}: layers[2].digest`],
  ['an unknown layer media type', (m) => { (m['layers'] as Record<string, unknown>[])[1]!['mediaType'] = 'application/vnd.oci.image.layer.v1.tar+encrypted'; }, `${DOC}: layers[1].mediaType: unknown layer media type "application/vnd.oci.image.layer.v1.tar+encrypted"`],
  ['a negative size', (m) => { (m['layers'] as Record<string, unknown>[])[0]!['size'] = -1; }, `${DOC}: layers[0].size: not a non-negative integer`],
  ['a fractional size', (m) => { (m['layers'] as Record<string, unknown>[])[0]!['size'] = 1.5; }, `${DOC}: layers[0].size: not a non-negative integer`],
  ['a size past 2^53', (m) => { (m['layers'] as Record<string, unknown>[])[0]!['size'] = 2 ** 53; }, `${DOC}: layers[0].size: not a non-negative integer`],
  ['a size given as a string', (m) => { (m['layers'] as Record<string, unknown>[])[0]!['size'] = '100'; }, `${DOC}: layers[0].size: not a non-negative integer`],
  ['a non-string annotation', (m) => { m['annotations'] = { a: 1 }; }, `${DOC}: annotations.a: not a string`],
];

for (const [what, spoil, message] of badManifests) {
  test(`a manifest with ${what} is refused, naming the field`, (t) => {
    const manifest = goodManifest();
    spoil(manifest);
    const err = t.throws(() => validateManifest(manifest, DOC), { instanceOf: InvalidArgumentError });
    t.true(err?.message.startsWith(message), err?.message);
  });
}

test('a manifest that is not an object is refused', (t) => {
  t.throws(() => validateManifest([1, 2], DOC), { instanceOf: InvalidArgumentError, message: `${DOC}: not a JSON object` });
});

test('a well-formed config validates, keeping known fields and dropping unknown ones', (t) => {
  const config = validateImageConfig(goodConfig(), `config ${A}`);
  t.deepEqual(config.rootfs, { type: 'layers', diff_ids: [A, B] });
  t.deepEqual(config.config, { Env: ['PATH=/bin'], ExposedPorts: { '80/tcp': {} }, Labels: { a: 'b' } });
  t.deepEqual(config.history, [{ created_by: 'import', empty_layer: false }]);
  t.false('unknownField' in config);
});

test('Docker\'s Healthcheck, Shell and OnBuild are kept as written, so inspect and later builds see them', (t) => {
  const healthcheck = { Test: ['CMD-SHELL', 'true'], Interval: 30_000_000_000, Timeout: 3_000_000_000, Retries: 3 };
  const config = validateImageConfig({ ...goodConfig(), config: { Healthcheck: healthcheck, Shell: ['/bin/ash', '-c'], OnBuild: ['RUN echo hi'] } }, `config ${A}`);
  t.deepEqual(config.config, { Healthcheck: healthcheck, Shell: ['/bin/ash', '-c'], OnBuild: ['RUN echo hi'] });
  t.deepEqual(validateImageConfig({ ...goodConfig(), config: { Healthcheck: null, OnBuild: null } }, `config ${A}`).config, {});
});

const badConfigs: [string, (c: Record<string, unknown>) => void, string][] = [
  ['no architecture', (c) => { delete c['architecture']; }, 'architecture: not a string'],
  ['a rootfs type other than layers', (c) => { c['rootfs'] = { type: 'tarball', diff_ids: [] }; }, 'rootfs.type: must be "layers", not "tarball"'],
  ['a bad diff_id', (c) => { c['rootfs'] = { type: 'layers', diff_ids: [A, 'sha256:12'] }; }, 'rootfs.diff_ids[1]'],
  ['Env not a list of strings', (c) => { c['config'] = { Env: ['A=1', 2] }; }, 'config.Env[1]: not a string'],
  ['empty_layer not a boolean', (c) => { c['history'] = [{ empty_layer: 'yes' }]; }, 'history[0].empty_layer: not a boolean'],
  ['a Healthcheck Interval that is not a count', (c) => { c['config'] = { Healthcheck: { Test: ['NONE'], Interval: -1 } }; }, 'config.Healthcheck.Interval: not a non-negative integer'],
  ['Shell not a list of strings', (c) => { c['config'] = { Shell: '/bin/sh' }; }, 'config.Shell: not a JSON array'],
];

for (const [what, spoil, message] of badConfigs) {
  test(`a config with ${what} is refused, naming the field`, (t) => {
    const config = goodConfig();
    spoil(config);
    const err = t.throws(() => validateImageConfig(config, `config ${A}`), { instanceOf: InvalidArgumentError });
    t.true(err?.message.startsWith(`config ${A}: ${message}`), err?.message);
  });
}

test('an index validates its descriptors and platforms', (t) => {
  const index = validateImageIndex(
    { schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: 3, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }] },
    'index.json',
  );
  t.is(index.mediaType, OCI_INDEX);
  t.deepEqual(index.manifests[0]?.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
});

test('an index with a bad descriptor is refused, naming the entry', (t) => {
  t.throws(() => validateImageIndex({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: -3 }] }, 'index.json'), {
    instanceOf: InvalidArgumentError,
    message: 'index.json: manifests[0].size: not a non-negative integer',
  });
  t.throws(() => validateImageIndex({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: A, size: 1, platform: { os: 'linux' } }] }, 'index.json'), {
    instanceOf: InvalidArgumentError,
    message: 'index.json: manifests[0].platform.architecture: not a string',
  });
});
