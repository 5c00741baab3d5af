import type { BuildRecord } from '../src/bundle/bundle-layout.ts';

export function bundledEntry(): Promise<string | undefined>;
export function isFresh(record: BuildRecord, distDir: string): boolean;
export function isCurrentBundle(entry: string): boolean;
