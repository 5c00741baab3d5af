// Flags of mount(2) and umount2(2), as <sys/mount.h> defines them on Linux.

/** Mount read-only. */
export const MS_RDONLY = 0x1;
/** Ignore setuid and setgid bits on files of this mount. */
export const MS_NOSUID = 0x2;
/** Refuse to open device files on this mount. */
export const MS_NODEV = 0x4;
/** Refuse to execute files on this mount. */
export const MS_NOEXEC = 0x8;
/** Change the flags of an existing mount instead of making a new one. */
export const MS_REMOUNT = 0x20;
/** Make a bind mount: the same tree seen at a second place. */
export const MS_BIND = 0x1000;
/** Move an existing mount to a new place. */
export const MS_MOVE = 0x2000;
/** Apply MS_BIND or a propagation change to every mount below the target too. */
export const MS_REC = 0x4000;
/** Propagation: mount events neither reach nor leave this mount. */
export const MS_PRIVATE = 0x40000;
/** Propagation: receive mount events from the peer group, send none back. */
export const MS_SLAVE = 0x80000;
/** Propagation: share mount events with the peer group both ways. */
export const MS_SHARED = 0x100000;

/** umount2: detach now, finish the unmount once the mount is no longer busy. */
export const MNT_DETACH = 0x2;
/** umount2: abort pending requests (network filesystems); not a fix for a busy mount. */
export const MNT_FORCE = 0x1;
