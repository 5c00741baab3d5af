export { Overlay2Driver } from './driver.ts';
export { overlayWhiteouts } from './whiteout.ts';
