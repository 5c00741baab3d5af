import type { RootInfo } from '../root-info.ts';
import { humanSize } from './human-size.ts';

/** `layerctl info` as `docker info` lays it out: `Key: value`, a driver's details indented one space. */
export function infoText(info: RootInfo): string {
  const { snapshots } = info;
  const lines = [
    `Storage Driver: ${info.driver.name}`,
    ...Object.entries(info.driver.status).map(([key, value]) => ` ${key}: ${value}`),
    `Root Dir: ${info.root}`,
    `Content Store: ${info.content.blobs} blobs, ${humanSize(info.content.bytes)}`,
    `Images: ${info.images}`,
    snapshots === null
      ? 'Snapshots: unknown (counted through the driver, which does not work)'
      : `Snapshots: ${snapshots.total} (${snapshots.active} active, ${snapshots.view} views, ${snapshots.committed} committed)`,
    'Drivers:',
    ...info.drivers.map((driver) => ` ${driver.name}: ${driver.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}
