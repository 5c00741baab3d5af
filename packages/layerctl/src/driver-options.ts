import type { DatabaseSync } from 'node:sqlite';
import { FailedPreconditionError, UsageError } from '@layerctl/sys';
import type { Root, Snapshotter } from './with-root.ts';

/**
 * Storage driver options (`--storage-opt KEY=VALUE`, dockerd's flag): each driver reads its own,
 * prefixed with its name (overlay2.mount_api, aufs.mount, devmapper.pool_dir...), and refuses keys
 * it does not know. A root keeps the options it was made with, as it keeps its driver: a command
 * without --storage-opt uses them, one that names others is refused (a devmapper pool dir or a
 * device filesystem cannot change under existing layers).
 */
export type DriverOptions = Readonly<Record<string, string>>;

/** The settings key (metadata.db, table settings) holding a root's driver options as a JSON object. */
export const DRIVER_OPTIONS_SETTING = 'driver_options';

/** The options the command line gives, or undefined when it gives none. */
export function parseStorageOpts(items: readonly string[] | undefined): DriverOptions | undefined {
  if (items === undefined || items.length === 0) return undefined;
  const options: Record<string, string> = {};
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) throw new UsageError(`--storage-opt ${JSON.stringify(item)}: expected KEY=VALUE, such as devmapper.basesize=20G`);
    const key = item.slice(0, equals);
    const value = item.slice(equals + 1);
    if (Object.hasOwn(options, key) && options[key] !== value) {
      throw new UsageError(`--storage-opt ${key} is given twice, as ${JSON.stringify(options[key])} and ${JSON.stringify(value)}`);
    }
    options[key] = value;
  }
  return options;
}

/** The options this root was made with; undefined for a root made before they were recorded, or not made yet. */
export function persistedOptions(root: Root, api: Snapshotter): DriverOptions | undefined {
  const row = root.metadata.read((db) => db.prepare('SELECT value FROM settings WHERE key = ?').get(DRIVER_OPTIONS_SETTING));
  return row === undefined ? undefined : decodeOptions(api.rowText(row, 'settings', 'value'));
}

/**
 * The options a driver gets for this root: the root's own when it has a driver already (those on
 * the command line must then be the same), else those on the command line.
 */
export function effectiveOptions(root: Root, api: Snapshotter, rootHasDriver: boolean, requested: DriverOptions | undefined): DriverOptions {
  if (!rootHasDriver) return requested ?? {};
  const persisted = persistedOptions(root, api) ?? {};
  if (requested !== undefined && !sameOptions(persisted, requested)) throw optionsRefusal(root, persisted, requested);
  return persisted;
}

/** Records the root's options in the transaction that records its driver; a record made earlier (by another process) must match. */
export function persistOptions(root: Root, db: DatabaseSync, options: DriverOptions): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(DRIVER_OPTIONS_SETTING, encodeOptions(options));
  const stored = db.prepare('SELECT value FROM settings WHERE key = ?').get(DRIVER_OPTIONS_SETTING)?.['value'];
  const existing = typeof stored === 'string' ? decodeOptions(stored) : {};
  if (!sameOptions(existing, options)) throw optionsRefusal(root, existing, options);
}

export function sameOptions(a: DriverOptions, b: DriverOptions): boolean {
  return encodeOptions(a) === encodeOptions(b);
}

/** Sorted by key, so that equal options are equal text. */
function encodeOptions(options: DriverOptions): string {
  return JSON.stringify(Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function decodeOptions(text: string): DriverOptions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.values(json).every((value) => typeof value === 'string')) {
    throw new FailedPreconditionError(`metadata.db: settings.${DRIVER_OPTIONS_SETTING} is not a JSON object of strings: ${text.slice(0, 200)}`);
  }
  return Object.fromEntries(Object.entries(json).map(([key, value]) => [key, String(value)]));
}

function describe(options: DriverOptions): string {
  const entries = Object.entries(options);
  return entries.length === 0 ? 'no --storage-opt' : entries.map(([key, value]) => `--storage-opt ${key}=${value}`).join(' ');
}

function optionsRefusal(root: Root, persisted: DriverOptions, requested: DriverOptions): FailedPreconditionError {
  return new FailedPreconditionError(`root ${root.dir} was made with ${describe(persisted)}; it cannot be used with ${describe(requested)}`);
}
