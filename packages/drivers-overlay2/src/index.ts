export { Overlay2Driver } from './driver.ts';
