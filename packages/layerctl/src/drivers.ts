import fs from 'node:fs';
import path from 'node:path';
import type { Driver, DriverFactory } from '@layerctl/snapshotter';
import { FailedPreconditionError, LayerctlError, NotSupportedError } from '@layerctl/sys';
import { type DriverOptions, effectiveOptions, persistOptions } from './driver-options.ts';
import { DRIVERS } from './global-options.ts';
import type { Root, Snapshotter } from './with-root.ts';

/**
 * The storage drivers layerctl ships, registered here and nowhere else (DESIGN.md: the builder
 * asks for a driver by name; this file is the one place that names them).
 *
 * Which driver serves a root:
 * - the one the root was made with (settings row DRIVER_SETTING in metadata.db), which `--driver`
 *   may repeat but never change: layers made by one driver mean nothing to another;
 * - else `--driver`;
 * - else the first of DRIVER_PRIORITY that works on this host (Docker's order), each tried in a
 *   scratch dir under the root's tmp/ so that a driver that fails leaves nothing in the root.
 * The choice is written to the root once its driver has initialised.
 *
 * Driver modules are imported inside load(), so that `--version` and `--help` never pay for them.
 */

export type DriverName = (typeof DRIVERS)[number];

/** The settings key (metadata.db, table settings) that holds the driver a root was made with. */
export const DRIVER_SETTING = 'driver';

/** Docker's priority order: overlay2 first; aufs and devmapper only where overlay2 does not work. */
export const DRIVER_PRIORITY: readonly DriverName[] = ['overlay2', 'aufs', 'devmapper'];

/** How a shipped driver is loaded. */
interface Registration {
  load(): Promise<DriverFactory>;
}

const registry: Record<DriverName, Registration> = {
  overlay2: {
    async load() {
      const { Overlay2Driver } = await import('@layerctl/drivers-overlay2');
      return (options) => new Overlay2Driver(options);
    },
  },
  aufs: {
    async load() {
      const { AufsDriver } = await import('@layerctl/drivers-aufs');
      return (options) => new AufsDriver(options);
    },
  },
  devmapper: {
    async load() {
      const { DevmapperDriver } = await import('@layerctl/drivers-devmapper');
      return (options) => new DevmapperDriver(options);
    },
  },
};

/** The scratch dirs in which drivers are tried start with this (tmp/ names carry their pid; see tempName). */
const PROBE_TEMP_KIND = 'driver-probe';
/** A probe's scratch dir is layerctl's own, like everything under the root. */
const PROBE_DIR_MODE = 0o700;

/** Makes (but does not initialise) the driver of `name` for `root`. */
export async function makeDriver(name: DriverName, root: Pick<Root, 'dir' | 'tmpDir'>, options: DriverOptions = {}): Promise<Driver> {
  const registration = registry[name];
  const factory = await registration.load();
  return factory({ root: root.dir, tmpDir: root.tmpDir, options: { ...options } });
}

/** The driver this root was made with, if any. */
export function persistedDriver(root: Root, api: Snapshotter): DriverName | undefined {
  const row = root.metadata.read((db) => db.prepare('SELECT value FROM settings WHERE key = ?').get(DRIVER_SETTING));
  if (row === undefined) return undefined;
  return checkedName(api.rowText(row, 'settings', 'value'));
}

/** The driver this root was made with, if any; `--driver` naming another is refused. */
export function checkRequestedDriver(root: Root, api: Snapshotter, requested: DriverName | undefined): DriverName | undefined {
  const persisted = persistedDriver(root, api);
  if (persisted !== undefined && requested !== undefined && persisted !== requested) throw refusal(root, persisted, requested);
  return persisted;
}

/**
 * The uninitialised driver for this root and command line (the rules at the top of this file).
 * Persist the choice with persistDriver once it has initialised.
 */
export async function chooseDriver(root: Root, api: Snapshotter, requested: DriverName | undefined, requestedOptions?: DriverOptions): Promise<ChosenDriver> {
  const persisted = checkRequestedDriver(root, api, requested);
  const options = effectiveOptions(root, api, persisted !== undefined, requestedOptions);
  const name = persisted ?? requested ?? (await firstWorking(root, api, options));
  return { driver: await makeDriver(name, root, options), options };
}

/** A root's driver, not initialised yet, and the options it was made with (persistDriver records both). */
export interface ChosenDriver {
  driver: Driver;
  options: DriverOptions;
}

/**
 * Records the root's driver and its options (driver-options.ts); a root that another process
 * made with another driver or other options meanwhile refuses these.
 */
export function persistDriver(root: Root, name: string, options: DriverOptions = {}): void {
  const persisted = root.metadata.write((db) => {
    db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(DRIVER_SETTING, name);
    const driver = db.prepare('SELECT value FROM settings WHERE key = ?').get(DRIVER_SETTING)?.['value'];
    if (driver === name) persistOptions(root, db, options);
    return driver;
  });
  if (persisted !== name) throw refusal(root, String(persisted), name);
}

/** Whether each known driver works here, in DRIVER_PRIORITY order; the one in use (if any) is not tried again. */
export async function driverAvailability(root: Root, api: Snapshotter, inUse: string | undefined): Promise<DriverAvailability[]> {
  const found: DriverAvailability[] = [];
  for (const name of DRIVER_PRIORITY) {
    if (name === inUse) {
      found.push({ name, available: true, detail: 'in use by this root' });
      continue;
    }
    const failure = await tryDriver(name, root, api);
    found.push({ name, available: failure === undefined, detail: failure ?? 'works on this host' });
  }
  return found;
}

export interface DriverAvailability {
  name: DriverName;
  available: boolean;
  /** Why not, or what was found. */
  detail: string;
}

/**
 * The first driver of DRIVER_PRIORITY that initialises here with `options` (a driver refuses
 * another's options: devmapper.* options choose devmapper); NotSupportedError saying why each
 * failed when none does.
 */
async function firstWorking(root: Root, api: Snapshotter, options: DriverOptions): Promise<DriverName> {
  const failures: string[] = [];
  for (const name of DRIVER_PRIORITY) {
    const failure = await tryDriver(name, root, api, options);
    if (failure === undefined) return name;
    // Each driver's reason already names the driver ("overlay2: overlayfs does not mount here ...").
    failures.push(failure);
  }
  throw new NotSupportedError(`no storage driver works on this host (${failures.join('; ')})`);
}

/**
 * Initialises the driver in a scratch root under tmp/ (same filesystem as the real one) and
 * removes it again; returns why the driver does not work, or undefined when it does.
 */
async function tryDriver(name: DriverName, root: Root, api: Snapshotter, options: DriverOptions = {}): Promise<string | undefined> {
  const scratch = path.join(root.tmpDir, api.tempName(PROBE_TEMP_KIND));
  fs.mkdirSync(scratch, { mode: PROBE_DIR_MODE });
  try {
    const driver = await makeDriver(name, { dir: scratch, tmpDir: path.join(scratch, api.TMP_DIR) }, options);
    await driver.init();
    await driver.close();
    return undefined;
  } catch (err) {
    if (err instanceof LayerctlError) return err.message;
    throw err;
  } finally {
    // Drivers take their probe mounts down before init returns or throws; were one left, what it
    // shows lies inside `scratch` too, so this remove could not reach beyond the scratch dir.
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function refusal(root: Root, persisted: string, requested: string): FailedPreconditionError {
  return new FailedPreconditionError(`root ${root.dir} was made with driver ${persisted}; it cannot be used with --driver ${requested}`);
}

function checkedName(value: string): DriverName {
  const name = DRIVERS.find((known) => known === value);
  if (name === undefined) {
    throw new FailedPreconditionError(`metadata.db: settings.${DRIVER_SETTING} names driver ${JSON.stringify(value)}, which this layerctl does not know (${DRIVERS.join(', ')})`);
  }
  return name;
}
