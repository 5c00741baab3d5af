import { check } from './check.ts';
import { libc } from './libc.ts';

/**
 * mount(2). `fstype` is null for bind mounts, remounts and propagation changes, which ignore it;
 * `data` is the filesystem's option string ("lowerdir=...,upperdir=...").
 * A failure is a SysError naming the target: "mount /x/merged: ENOENT".
 */
export function mount(source: string, target: string, fstype: string | null, flags: number, data?: string): void {
  check(libc().mount(source, target, fstype, flags, data ?? null), 'mount', target);
}

/** umount2(2) with MNT_* flags. */
export function umount2(target: string, flags = 0): void {
  check(libc().umount2(target, flags), 'umount2', target);
}
