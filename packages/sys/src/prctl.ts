import { check } from './check.ts';
import { lazyBinding } from './libc.ts';

// Option numbers from <linux/prctl.h>.
export const PR_SET_PDEATHSIG = 1;
export const PR_SET_KEEPCAPS = 8;
export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;
export const PR_CAP_AMBIENT = 47;
export const PR_CAP_AMBIENT_IS_SET = 1;
export const PR_CAP_AMBIENT_RAISE = 2;
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

interface PrctlBinding {
  /** glibc declares prctl variadic; every argument we pass is an unsigned long. */
  prctl(option: number, ...typedArgs: unknown[]): number;
}

const binding = lazyBinding<PrctlBinding>((lib) => ({ prctl: lib.func('int prctl(int option, ...)') }));

/** prctl(2) with up to four unsigned long arguments; the kernel wants the unused ones zero. */
export function prctl(option: number, arg2 = 0, arg3 = 0, arg4 = 0, arg5 = 0): number {
  const ul = 'unsigned long';
  return check(binding().prctl(option, ul, arg2, ul, arg3, ul, arg4, ul, arg5), 'prctl', `option ${option}`);
}

/**
 * Sets no_new_privs on the calling thread (and what it execs): execve can then never grant
 * privileges (setuid bits, file capabilities). It cannot be unset.
 */
export function setNoNewPrivs(): void {
  prctl(PR_SET_NO_NEW_PRIVS, 1);
}

export function noNewPrivs(): boolean {
  return prctl(PR_GET_NO_NEW_PRIVS) === 1;
}

/** Removes one capability from the calling thread's bounding set; needs CAP_SETPCAP. */
export function capbsetDrop(cap: number): void {
  prctl(PR_CAPBSET_DROP, cap);
}

export function capbsetRead(cap: number): boolean {
  return prctl(PR_CAPBSET_READ, cap) === 1;
}

/** With keepcaps a switch away from uid 0 keeps the permitted set (effective is still cleared). */
export function setKeepCaps(keep: boolean): void {
  prctl(PR_SET_KEEPCAPS, keep ? 1 : 0);
}

/** Raises one ambient capability: it must be both permitted and inheritable already. */
export function ambientRaise(cap: number): void {
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap);
}

export function ambientClearAll(): void {
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
}

/**
 * The signal the calling process gets when the thread that forked it ends (0: none). It is cleared
 * in a child at fork, and kept across execve of a program without set-id bits.
 */
export function setParentDeathSignal(signal: number): void {
  prctl(PR_SET_PDEATHSIG, signal);
}
