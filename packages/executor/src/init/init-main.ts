// The container's init process: see run-init.ts. Kept to one import so its start is cheap.
import { runInit } from './run-init.ts';

runInit(process.argv.slice(2));
