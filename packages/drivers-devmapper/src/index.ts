export { DevmapperDriver } from './driver.ts';
