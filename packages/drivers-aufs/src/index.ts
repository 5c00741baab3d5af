export { AufsDriver } from './driver.ts';
