export { Overlay2Driver } from './driver.ts';
export { overlayWhiteouts, overlayWhiteoutConverter } from './whiteout.ts';
