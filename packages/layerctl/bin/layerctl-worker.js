#!/usr/bin/env node
// One warm worker of `layerctl daemon` (src/daemon/README.md), started by the daemon with its
// listening socket as the descriptor named by the first argument and what to rehearse as the second. Plain JavaScript like
// bin/layerctl.js, and like it, it runs the CLI's bundle: the same code a command runs without a daemon.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundledEntry, isCurrentBundle } from './bundled-entry.js';

module.enableCompileCache?.(fileURLToPath(new URL('../node_modules/.cache/layerctl-cli', import.meta.url)));

const listenFd = Number(process.argv[2]);
// The rehearsal command line (src/daemon/rehearsal.ts) as JSON, or null.
const rehearsal = JSON.parse(process.argv[3] ?? 'null') ?? undefined;
const entry = await bundledEntry();
const { serveDaemonWorker } = await import(entry ?? new URL('../src/main.ts', import.meta.url).href);
await serveDaemonWorker({
  listenFd,
  rehearsal,
  // Without a bundle the sources ran; a change to them cannot be seen, so every command is sent back.
  isCurrent: () => entry !== undefined && isCurrentBundle(entry),
  taken: () =>
    new Promise((resolve) => {
      if (process.send === undefined) return resolve();
      process.send({ taken: process.pid }, () => {
        process.disconnect();
        resolve();
      });
    }),
});
