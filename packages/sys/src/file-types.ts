// The file type bits of st_mode, as <sys/stat.h> defines them; mknod takes one of them in its mode.

/** The mask that selects the file type out of a mode. */
export const S_IFMT = 0o170000;
/** Unix domain socket. */
export const S_IFSOCK = 0o140000;
/** Symbolic link. */
export const S_IFLNK = 0o120000;
/** Regular file. */
export const S_IFREG = 0o100000;
/** Block device. */
export const S_IFBLK = 0o060000;
/** Directory. */
export const S_IFDIR = 0o040000;
/** Character device; 0/0 is overlayfs's whiteout. */
export const S_IFCHR = 0o020000;
/** Named pipe (FIFO). */
export const S_IFIFO = 0o010000;
