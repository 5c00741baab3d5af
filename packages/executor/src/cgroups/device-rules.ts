import type { DeviceRule } from '../spec/runtime-spec.ts';

/** v1: the file a rule is written to. */
export function deviceRuleFile(rule: DeviceRule): 'devices.allow' | 'devices.deny' {
  return rule.allow ? 'devices.allow' : 'devices.deny';
}

/** v1: the line devices.allow/devices.deny take: "c 1:3 rwm", "a *:* rwm"; absent fields match all. */
export function deviceRuleLine(rule: DeviceRule): string {
  return `${rule.type ?? 'a'} ${rule.major ?? '*'}:${rule.minor ?? '*'} ${rule.access ?? 'rwm'}`;
}
