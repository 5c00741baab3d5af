import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readOptional, tempName } from '@layerctl/snapshotter';
import { PROBE_CACHE_FILE } from './layout.ts';
import { probe, type ProbeResult } from './probe.ts';

const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const OVERLAY_PARAMETERS = '/sys/module/overlay/parameters';
const UID_MAP = '/proc/self/uid_map';
const STATUS = '/proc/self/status';

/** What a probe's answer depends on: while all of it is the same, so is the answer. */
interface ProbeConditions {
  bootId: string;
  kernel: string;
  device: number;
  overlayParameters: string;
  uidMap: string;
  /** The caller's effective capabilities (CapEff): without CAP_SYS_ADMIN the probe's mount fails, and so would every mount. */
  capabilities: string;
}

/**
 * The probe's answer, reused from `<home>/probe.json` while the conditions it was found under
 * hold: the same boot and kernel, the same filesystem under home, the same overlay module
 * parameters, the same user namespace and capabilities. The probe mounts a small overlay and changes files in it
 * (about 20 ms), which every layerctl command that opens the store paid before; Docker pays it
 * once per daemon start. Anything unreadable in the file means probing again.
 */
export function cachedProbe(home: string, tmpDir: string, runProbe: typeof probe = probe): ProbeResult {
  const file = path.join(home, PROBE_CACHE_FILE);
  const conditions = currentConditions(home);
  const cached = readCache(file);
  if (cached !== undefined && sameConditions(cached.conditions, conditions)) return cached.result;
  const result = runProbe(home, tmpDir);
  const temp = path.join(tmpDir, tempName(PROBE_CACHE_FILE));
  fs.writeFileSync(temp, JSON.stringify({ conditions, result }));
  fs.renameSync(temp, file);
  return result;
}

function currentConditions(home: string): ProbeConditions {
  const parameters = fs.readdirSync(OVERLAY_PARAMETERS, { withFileTypes: true }).filter((entry) => entry.isFile());
  return {
    bootId: readOptional(BOOT_ID)?.trim() ?? '',
    kernel: os.release(),
    device: fs.statSync(home).dev,
    overlayParameters: parameters.map((entry) => `${entry.name}=${readOptional(path.join(OVERLAY_PARAMETERS, entry.name))?.trim() ?? ''}`).join(' '),
    uidMap: readOptional(UID_MAP)?.trim().split(/\s+/).join(' ') ?? '',
    capabilities: /^CapEff:\s*(\S+)$/m.exec(readOptional(STATUS) ?? '')?.[1] ?? '',
  };
}

function sameConditions(a: ProbeConditions, b: ProbeConditions): boolean {
  return (
    a.bootId === b.bootId &&
    a.kernel === b.kernel &&
    a.device === b.device &&
    a.overlayParameters === b.overlayParameters &&
    a.uidMap === b.uidMap &&
    a.capabilities === b.capabilities
  );
}

function readCache(file: string): { conditions: ProbeConditions; result: ProbeResult } | undefined {
  const text = readOptional(file);
  if (text === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null || !('conditions' in json) || !('result' in json)) return undefined;
    const conditions = asConditions(json.conditions);
    const result = asProbeResult(json.result);
    return conditions === undefined || result === undefined ? undefined : { conditions, result };
  } catch {
    // A torn or hand-edited file: the probe answers again and rewrites it.
    return undefined;
  }
}

function asConditions(value: unknown): ProbeConditions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!('bootId' in value && 'kernel' in value && 'device' in value && 'overlayParameters' in value)) return undefined;
  if (!('uidMap' in value && 'capabilities' in value)) return undefined;
  const { bootId, kernel, device, overlayParameters, uidMap, capabilities } = value;
  if (typeof bootId !== 'string' || typeof kernel !== 'string' || typeof device !== 'number') return undefined;
  if (typeof overlayParameters !== 'string' || typeof uidMap !== 'string' || typeof capabilities !== 'string') return undefined;
  return { bootId, kernel, device, overlayParameters, uidMap, capabilities };
}

function asProbeResult(value: unknown): ProbeResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!('backingFs' in value && 'dType' in value && 'mountApi' in value && 'redirectDir' in value && 'metacopy' in value)) return undefined;
  if (!('extraOptions' in value && 'moduleDefaults' in value && 'xattrPrefix' in value)) return undefined;
  const { backingFs, dType, mountApi, redirectDir, metacopy, extraOptions, moduleDefaults, xattrPrefix } = value;
  if (typeof backingFs !== 'string' || typeof dType !== 'boolean' || (mountApi !== 'new' && mountApi !== 'legacy')) return undefined;
  if (typeof redirectDir !== 'boolean' || typeof metacopy !== 'boolean' || typeof moduleDefaults !== 'string' || typeof xattrPrefix !== 'string') return undefined;
  if (!Array.isArray(extraOptions) || !extraOptions.every((option) => typeof option === 'string')) return undefined;
  return { backingFs, dType, mountApi, redirectDir, metacopy, extraOptions, moduleDefaults, xattrPrefix };
}
