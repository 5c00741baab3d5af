// The container's init process: see run-init.ts. Kept to one import so its start is cheap.
import { flushCompileCache } from 'node:module';
import { runInit } from './run-init.ts';

// Node writes its compile cache at exit, and the init never exits: it execs. Written now, while
// the host's filesystem is still this process's, the next init starts from it.
flushCompileCache();
runInit(process.argv.slice(2));
